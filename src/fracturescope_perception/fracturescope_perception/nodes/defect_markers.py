"""Defect markers node: each DefectDetection's regions as a MarkerArray in the RGB camera's frame, for RViz
(fusion/region_markers.py). Needs the RGB camera's CameraInfo; until one arrives, detections are counted and skipped."""

from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.health import Health
from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import OBSERVER_STREAM
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo
from visualization_msgs.msg import MarkerArray

from fracturescope_msgs.msg import DefectDetection
from fracturescope_perception.diagnostics_contract import DEFECT_MARKERS, MARKED, NO_CAMERA_INFO
from fracturescope_perception.fusion.region_markers import region_markers

D = Parameter.Type.DOUBLE
PARAMETERS = (
    ParameterSpec('surface_distance_m', D, 'distance from the RGB camera to the inspected surface (m)'),
    ParameterSpec('marker_lifetime_s', D, 'markers disappear this long after their detection (s)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


class DefectMarkersNode(Node):
    def __init__(self) -> None:
        super().__init__(DEFECT_MARKERS.node)
        self._p = p = declare_parameters(self, PARAMETERS)
        self._camera: CameraInfo | None = None
        self._health = Health(DEFECT_MARKERS.counters)
        self._markers = self.create_publisher(MarkerArray, 'defects/markers', OBSERVER_STREAM)
        self.create_subscription(CameraInfo, 'camera/rgb/camera_info', self._on_camera_info, IMAGE_SUBSCRIPTION)
        self.create_subscription(DefectDetection, 'defects', self._on_detection, OBSERVER_STREAM)
        self._diagnostics = DiagnosticsReporter(self, DEFECT_MARKERS, self._health, dict, self._state,
                                                p.diagnostics_period_s)

    def _state(self) -> str:
        return 'drawing defect regions' if self._camera else 'waiting for camera/rgb/camera_info'

    def _on_camera_info(self, msg: CameraInfo) -> None:
        self._camera = msg

    def _on_detection(self, msg: DefectDetection) -> None:
        if self._camera is None:
            self._health.problem(NO_CAMERA_INFO, 'no camera/rgb/camera_info yet: detections without markers')
            return
        try:
            markers = region_markers(msg, self._camera, self._p.surface_distance_m, self._p.marker_lifetime_s)
        except ValueError as error:
            self._health.problem(NO_CAMERA_INFO, f'no markers: {error}')
            self.get_logger().error(f'no markers: {error}', throttle_duration_sec=5.0)
            return
        if publish_or_report(self._markers, markers, self._health, self.get_logger()):
            self._health.count(MARKED)
            self._health.resolved(NO_CAMERA_INFO)


def main(args: list[str] | None = None) -> None:
    run_node(DefectMarkersNode, 'defect_markers', args)


if __name__ == '__main__':
    main()
