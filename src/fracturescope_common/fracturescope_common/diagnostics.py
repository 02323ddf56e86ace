"""Publishing a node's Health on /diagnostics at a fixed period."""

from collections.abc import Callable, Mapping

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.node import Node

from fracturescope_common.health import Health

DIAGNOSTICS_TOPIC = '/diagnostics'


def diagnostic_status(
    name: str, hardware_id: str, level: int, message: str, values: Mapping[str, object]
) -> DiagnosticStatus:
    return DiagnosticStatus(
        level=bytes([level]),
        name=name,
        message=message,
        hardware_id=hardware_id,
        values=[KeyValue(key=key, value=str(value)) for key, value in values.items()],
    )


class DiagnosticsReporter:
    """Every `period_s`, one DiagnosticStatus built from `health`, its counters and `values()`."""

    def __init__(
        self,
        node: Node,
        health: Health,
        values: Callable[[], Mapping[str, object]],
        ok_message: Callable[[], str],
        period_s: float,
        hardware_id: str = 'fracturescope',
    ) -> None:
        self._node = node
        self._health = health
        self._values = values
        self._ok_message = ok_message
        self._hardware_id = hardware_id
        self._publisher = node.create_publisher(DiagnosticArray, DIAGNOSTICS_TOPIC, 10)
        self._timer = node.create_timer(period_s, self.publish)

    def publish(self) -> None:
        level, message = self._health.summary(self._ok_message())
        values = {**self._values(), **self._health.counters}
        status = diagnostic_status(
            f'{self._node.get_name()}', self._hardware_id, int(level), message, values
        )
        array = DiagnosticArray(status=[status])
        array.header.stamp = self._node.get_clock().now().to_msg()
        self._publisher.publish(array)
