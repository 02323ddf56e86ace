"""Publishing a node's Health on /diagnostics at a fixed period, through the node's contract."""

from collections.abc import Callable, Mapping

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node

from fracturescope_common.diagnostics_contract import Key, NodeContract
from fracturescope_common.health import Health

DIAGNOSTICS_TOPIC = '/diagnostics'


class DiagnosticsReporter:
    """Every `period_s`, one DiagnosticStatus with exactly the keys of `contract`: `values()` and the counters of
    `health`. Named after the node's fully qualified name (/<namespace>/<node>): two robots stay apart."""

    def __init__(
        self,
        node: Node,
        contract: NodeContract,
        health: Health,
        values: Callable[[], Mapping[Key, object]],
        ok_message: Callable[[], str],
        period_s: float,
        hardware_id: str = 'fracturescope',
    ) -> None:
        self._node = node
        self._contract = contract
        self._health = health
        self._values = values
        self._ok_message = ok_message
        self._hardware_id = hardware_id
        self._publisher = node.create_publisher(DiagnosticArray, DIAGNOSTICS_TOPIC, 10)
        self._timer = node.create_timer(period_s, self.publish)

    def use_contract(self, contract: NodeContract) -> None:
        """Report through `contract` from now on (a node whose model, and so its vocabulary, was replaced)."""
        self._contract = contract

    def publish(self) -> None:
        level, message = self._health.summary(self._ok_message())
        status = self._contract.status(self._node.get_fully_qualified_name(), int(level), message, self._values(),
                                       self._health.counters, self._hardware_id)
        array = DiagnosticArray(status=[status])
        array.header.stamp = self._node.get_clock().now().to_msg()
        self._publisher.publish(array)
