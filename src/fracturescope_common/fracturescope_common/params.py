"""Node parameters declared with their meaning and unit; their values come from config/*.yaml only."""

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.exceptions import ParameterUninitializedException
from rclpy.node import Node
from rclpy.parameter import Parameter


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter: its name, type and a description that states its unit (shown by `ros2 param describe`)."""

    name: str
    type: Parameter.Type
    description: str


class MissingParametersError(RuntimeError):
    """The node was started without some of its parameters (no --params-file, or an incomplete one)."""


def declare_parameters(node: Node, specs: Iterable[ParameterSpec]) -> SimpleNamespace:
    """Declare every spec without a default and return the values, raising when any is unset.

    Defaults are deliberately absent from code: config/<node>.yaml is the one place values live.
    """
    values: dict[str, object] = {}
    missing: list[str] = []
    for spec in specs:
        node.declare_parameter(spec.name, spec.type, ParameterDescriptor(description=spec.description))
        try:
            values[spec.name] = node.get_parameter(spec.name).value
        except ParameterUninitializedException:
            missing.append(spec.name)
    if missing:
        raise MissingParametersError(
            f"node '{node.get_name()}' started without parameter(s) {', '.join(missing)}: "
            'pass its config file with --ros-args --params-file config/<file>.yaml'
        )
    return SimpleNamespace(**values)
