"""Line markers node: the sheet between its measured edges, the standard and the spreader rolls with their commanded
frequencies and the control mode, as a MarkerArray on `line/markers` in the line's frame for RViz
(config/fracturescope_line.rviz; the drawing is line_markers.py)."""

from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.health import Health
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import OBSERVER_STREAM, RELIABLE_EVENTS
from rclpy.node import Node
from rclpy.parameter import Parameter
from std_msgs.msg import Header
from visualization_msgs.msg import MarkerArray

from fracturescope_control.diagnostics_contract import LINE_MARKERS, MARKERS_PUBLISHED
from fracturescope_control.line_markers import LineView
from fracturescope_msgs.msg import EdgeMeasurement, RollCommand

D, S = Parameter.Type.DOUBLE, Parameter.Type.STRING
PARAMETERS = (
    ParameterSpec('frame_id', S, 'frame of the markers: the line\'s sheet plane, x across the line from the mm origin '
                                 'of the Edge-Eye tracker (name)'),
    ParameterSpec('publish_period_s', D, 'markers are drawn anew at most once per this period (s)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


class LineMarkersNode(Node):
    def __init__(self) -> None:
        super().__init__(LINE_MARKERS.node)
        self._p = p = declare_parameters(self, PARAMETERS)
        self._view = LineView()
        self._health = Health(LINE_MARKERS.counters)
        self._markers = self.create_publisher(MarkerArray, 'line/markers', OBSERVER_STREAM)
        self.create_subscription(EdgeMeasurement, 'edges', self._view.measured, OBSERVER_STREAM)
        self.create_subscription(RollCommand, 'roll_command', self._view.commanded, RELIABLE_EVENTS)
        self.create_timer(p.publish_period_s, self._draw)
        self._diagnostics = DiagnosticsReporter(self, LINE_MARKERS, self._health, dict, self._state,
                                                p.diagnostics_period_s)

    def _state(self) -> str:
        return 'drawing the line' if self._view.edges or self._view.command else 'waiting for edges and roll commands'

    def _draw(self) -> None:
        if self._view.edges is None and self._view.command is None:
            return
        header = Header(frame_id=self._p.frame_id, stamp=self.get_clock().now().to_msg())
        if publish_or_report(self._markers, self._view.markers(header), self._health, self.get_logger()):
            self._health.count(MARKERS_PUBLISHED)


def main(args: list[str] | None = None) -> None:
    run_node(LineMarkersNode, 'line_markers', args)


if __name__ == '__main__':
    main()
