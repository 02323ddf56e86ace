"""Simulated equipment thermal camera: 32 x 24 frames (degC, 32FC1) of heat-producing equipment with ground truth."""

import hashlib
import time

from fracturescope_common.camera_info import camera_info_topic, focal_from_horizontal_fov, pinhole_camera_info
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health
from fracturescope_common.image_conversion import numpy_to_image
from fracturescope_common.image_stream import IMAGE_PUBLICATION
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RELIABLE_EVENTS
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from fracturescope_msgs.msg import GroundTruthLabel
from fracturescope_sim.diagnostics_contract import EQUIPMENT_THERMAL_CAMERA, PUBLISHED, RENDER_MS, VARIANT
from fracturescope_sim.equipment_thermal_camera import EquipmentCameraConfig, EquipmentThermalCamera
from fracturescope_sim.start_gate import StartGate, in_namespace

D, INT, S, B = Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING, Parameter.Type.BOOL
IMAGE_TOPIC = 'equipment_thermal/image_raw'
PARAMETERS = (
    ParameterSpec('fps', D, 'frames published per second (Hz)'),
    ParameterSpec('mean_dwell_s', D, 'mean time in one normal operating state, cold / warm / hot (s)'),
    ParameterSpec('anomaly_share', D, 'share of state segments that are anomalies (0..1)'),
    ParameterSpec('mean_anomaly_s', D, 'mean duration of an anomaly segment (s)'),
    ParameterSpec('centikelvin_share', D, 'share of good frames published as 16UC1 centikelvin (0..1)'),
    ParameterSpec('bad_frame_share', D, 'share of deliberately bad frames: NaN pixels, mono8, 16 x 12 (0..1)'),
    ParameterSpec('seed', INT, 'random seed of the recording (integer)'),
    ParameterSpec('frame_id', S, 'optical frame of the thermal camera (tf frame)'),
    ParameterSpec('horizontal_fov_deg', D, 'horizontal field of view, for its CameraInfo (deg)'),
    ParameterSpec('max_frames', INT, 'stop after this many frames; 0 = until shut down (count)'),
    ParameterSpec('wait_for_subscriber', B, 'start the recording (frame 0) once a subscriber is connected (flag)'),
    ParameterSpec('wait_for_nodes', Parameter.Type.STRING_ARRAY,
                  'with wait_for_subscriber: also wait until these nodes are in the graph, e.g. the ledger (names)'),
    ParameterSpec('start_delay_s', D, 'after the wait: time for the late nodes to match their topics (s)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


class EquipmentThermalCameraNode(Node):
    def __init__(self) -> None:
        super().__init__(EQUIPMENT_THERMAL_CAMERA.node)
        p = self._params = declare_parameters(self, PARAMETERS)
        self._camera = EquipmentThermalCamera(EquipmentCameraConfig(
            fps=p.fps, mean_dwell_s=p.mean_dwell_s, anomaly_share=p.anomaly_share, mean_anomaly_s=p.mean_anomaly_s,
            centikelvin_share=p.centikelvin_share, bad_frame_share=p.bad_frame_share, seed=p.seed))
        self._health = Health(EQUIPMENT_THERMAL_CAMERA.counters)
        self._images = self.create_publisher(Image, IMAGE_TOPIC, IMAGE_PUBLICATION)
        self._info = self.create_publisher(CameraInfo, camera_info_topic(IMAGE_TOPIC), IMAGE_PUBLICATION)
        self._truth = self.create_publisher(GroundTruthLabel, 'equipment_thermal/ground_truth', RELIABLE_EVENTS)
        self._index = 0
        self._gate = StartGate(p.wait_for_subscriber, p.wait_for_nodes, p.start_delay_s)
        self._render_ms = 0.0
        self._timer = self.create_timer(1.0 / p.fps, self._publish_next)
        self._diagnostics = DiagnosticsReporter(self, EQUIPMENT_THERMAL_CAMERA, self._health, self._values, self._state,
                                                p.diagnostics_period_s)

    def _values(self) -> dict[Key, object]:
        return {PUBLISHED: self._index, RENDER_MS: self._render_ms}

    def _state(self) -> str:
        if self._timer.is_canceled():
            return f'done: {self._index} frames'
        return f'equipment {self._camera.sequence.state(self._index)}' if self._index else 'waiting to start'

    def _peers(self) -> list[str]:
        return in_namespace(self.get_node_names_and_namespaces(), self.get_namespace())

    def _publish_next(self) -> None:
        if self._index == 0 and not self._gate.is_open(lambda: self._images.get_subscription_count() > 0,
                                                        self._peers):
            return
        started = time.perf_counter()
        frame = self._camera.frame(self._index)
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self._params.frame_id)
        image = numpy_to_image(frame.pixels, frame.encoding, header)
        self._render_ms = (time.perf_counter() - started) * 1e3
        self._images.publish(image)
        if image.width:
            focal = focal_from_horizontal_fov(image.width, self._params.horizontal_fov_deg)
            self._info.publish(pinhole_camera_info(header, image.width, image.height, focal))
        truth = GroundTruthLabel(header=header, label=frame.state, variant=frame.variant, unseen=False,
                                 image_topics=[self._images.topic_name],
                                 image_sha256=[hashlib.sha256(image.data).hexdigest()])
        publish_or_report(self._truth, truth, self._health, self.get_logger())
        self._health.count(VARIANT[frame.variant])
        self._index += 1
        if self._index == self._params.max_frames:
            self._timer.cancel()
            self.get_logger().info(f'published {self._index} frames: done')


def main(args: list[str] | None = None) -> None:
    run_node(EquipmentThermalCameraNode, 'equipment_thermal_camera', args)


if __name__ == '__main__':
    main()
