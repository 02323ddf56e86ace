"""Node parameters declared with their meaning and unit; their values come from config/*.yaml only.

A parameter is read-only (`ros2 param set` refuses it with a reason) unless its spec says it may change while the
node runs; such a change is type-checked, validated by the node, and then seen by the node's next read. A whole
number where a double is declared (`rate_hz:=10` from a launch argument) is taken as that double.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter: its name, type, a description that states its unit (shown by `ros2 param describe`), and
    whether it may change at run time."""

    name: str
    type: Parameter.Type
    description: str
    runtime: bool = False


class MissingParametersError(RuntimeError):
    """The node was started without some of its parameters (no --params-file, or an incomplete one)."""


# Checks and applies changes about to be made ({name: new value}); returns why they are refused, or None.
ChangeHandler = Callable[[dict[str, Any]], str | None]


def as_declared(spec: ParameterSpec, value: Any) -> Any:
    """`value` as the spec's type: whole numbers widen to double; anything else of another type is an error."""
    if spec.type == Parameter.Type.DOUBLE and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if spec.type == Parameter.Type.DOUBLE_ARRAY and isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return [float(v) for v in value]
    if spec.type in (Parameter.Type.STRING_ARRAY, Parameter.Type.DOUBLE_ARRAY, Parameter.Type.INTEGER_ARRAY) and \
            isinstance(value, (list, tuple)) and len(value) == 0:
        return []
    actual = Parameter.Type.from_parameter_value(value)
    if actual != spec.type:
        raise ValueError(f'parameter {spec.name} is declared {spec.type.name.lower()}, '
                         f'got {actual.name.lower()} {value!r}')
    return list(value) if isinstance(value, tuple) else value


def declare_parameters(node: Node, specs: Iterable[ParameterSpec],
                       on_change: ChangeHandler | None = None) -> SimpleNamespace:
    """Declare every spec and return the values as attributes, raising when any is unset.

    Defaults are deliberately absent from code: config/<node>.yaml is the one place values live. The returned
    namespace follows accepted run-time changes, so a node that reads `p.name` when it needs it applies them.
    """
    specs = {spec.name: spec for spec in specs}
    values: dict[str, Any] = {}
    missing: list[str] = []
    for spec in specs.values():
        descriptor = ParameterDescriptor(description=spec.description, read_only=not spec.runtime)
        given = _given_value(node, spec.name)
        if given is None:
            node.declare_parameter(spec.name, spec.type, descriptor, ignore_override=True)
            missing.append(spec.name)
            continue
        values[spec.name] = value = as_declared(spec, given)
        # an empty list would be typed as bytes: declared by its type alone, it reads as unset, i.e. no entries
        node.declare_parameter(spec.name, value if value != [] else spec.type, descriptor, ignore_override=True)
    if missing:
        raise MissingParametersError(
            f"node '{node.get_name()}' started without parameter(s) {', '.join(missing)}: "
            'pass its config file with --ros-args --params-file config/<file>.yaml'
        )
    current = SimpleNamespace(**values)
    _follow_changes(node, specs, current, on_change)
    return current


def _given_value(node: Node, name: str) -> Any:
    """The value given on the command line or in a parameter file, of whatever type, or None when none was.

    Declared once with dynamic typing to read it (a typed declaration rejects 10 for a double), then undeclared.
    """
    probe = node.declare_parameter(name, None, ParameterDescriptor(dynamic_typing=True))
    value = probe.value if probe.type_ != Parameter.Type.NOT_SET else None
    node.undeclare_parameter(name)
    return value


def _follow_changes(node: Node, specs: dict[str, ParameterSpec], current: SimpleNamespace,
                    on_change: ChangeHandler | None) -> None:
    def widen(parameters: list[Parameter]) -> list[Parameter]:
        widened = []
        for parameter in parameters:
            spec = specs.get(parameter.name)
            try:
                value = as_declared(spec, parameter.value) if spec and spec.runtime else None
            except ValueError:
                value = None  # refused with its reason by `validate`
            widened.append(parameter if value is None else Parameter(parameter.name, spec.type, value))
        return widened

    def validate(parameters: list[Parameter]) -> SetParametersResult:
        changes: dict[str, Any] = {}
        for parameter in parameters:
            spec = specs.get(parameter.name)
            if spec is None:  # rclpy's own (use_sim_time, ...): not ours to judge
                continue
            try:
                changes[spec.name] = as_declared(spec, parameter.value)
            except ValueError as error:
                return SetParametersResult(successful=False, reason=str(error))
        refusal = on_change(changes) if on_change and changes else None
        if refusal:
            return SetParametersResult(successful=False, reason=refusal)
        for name, value in changes.items():
            setattr(current, name, value)
        if changes:
            node.get_logger().info(f'parameters changed: {changes}')
        return SetParametersResult(successful=True)

    node.add_pre_set_parameters_callback(widen)
    node.add_on_set_parameters_callback(validate)
