"""Simulated RGB + thermal surface cameras: paired frames of concrete, and the ground truth of each pair."""

import hashlib

from fracturescope_common.camera_info import camera_info_topic, focal_from_horizontal_fov, pinhole_camera_info
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.health import Health
from fracturescope_common.image_conversion import celsius_to_centikelvin, numpy_to_image
from fracturescope_common.image_stream import IMAGE_PUBLICATION
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RECORDED_RESULTS
from fracturescope_common.stamps import from_ns
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo, Image, RegionOfInterest
from std_msgs.msg import Header

from fracturescope_msgs.msg import DefectRegion, GroundTruthLabel
from fracturescope_sim.diagnostics_contract import FAULT, PUBLISHED, SURFACE_CAMERA, TRUTH
from fracturescope_sim.start_gate import StartGate, in_namespace
from fracturescope_sim.surface_camera import SurfaceCamera, SurfaceCameraConfig, SurfaceFrame
from fracturescope_sim.surfaces.frame import CLASSES

D, INT, S, B = Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING, Parameter.Type.BOOL
PARAMETERS = (
    ParameterSpec('rate_hz', D, 'pairs published per second (Hz)'),
    ParameterSpec('max_frames', INT, 'stop after this many pairs; 0 = until shut down (count)'),
    ParameterSpec('wait_for_subscriber', B, 'start once both image topics have a subscriber (flag)'),
    ParameterSpec('wait_for_nodes', Parameter.Type.STRING_ARRAY,
                  'with wait_for_subscriber: also wait until these nodes are in the graph, e.g. the ledger (names)'),
    ParameterSpec('start_delay_s', D, 'after the wait: time for the late nodes to match their topics (s)'),
    ParameterSpec('seed', INT, 'random seed of the scenes (integer)'),
    ParameterSpec('class_weights', Parameter.Type.DOUBLE_ARRAY,
                  'relative frequency of crack, corrosion, leak, none (ratio)'),
    ParameterSpec('family', S, 'surface family rendered (fracturescope_sim.surfaces; weathered: never trained) (name)'),
    ParameterSpec('width', INT, 'RGB frame width (px)'),
    ParameterSpec('height', INT, 'RGB frame height (px)'),
    ParameterSpec('thermal_width', INT, 'thermal frame width, same field of view (px)'),
    ParameterSpec('thermal_height', INT, 'thermal frame height (px)'),
    ParameterSpec('mm_per_px', D, 'surface scale of the RGB image (mm / px)'),
    ParameterSpec('max_defects', INT, 'a defect frame shows 1 .. this many defects (count)'),
    ParameterSpec('unseen_fraction', D, 'share of pairs showing a defect type never seen in training (0..1)'),
    ParameterSpec('fault_fraction', D, 'share of pairs with deliberately bad input, to exercise refusals (0..1)'),
    ParameterSpec('thermal_encoding', S, 'thermal image encoding: 32FC1 (degC) or 16UC1 (centikelvin) (name)'),
    ParameterSpec('thermal_delay_s', D, 'thermal stamp after the RGB stamp (cameras not triggered together) (s)'),
    ParameterSpec('horizontal_fov_deg', D, 'horizontal field of view of both cameras, for their CameraInfo (deg)'),
    ParameterSpec('rgb_frame_id', S, 'optical frame of the RGB camera (tf frame)'),
    ParameterSpec('thermal_frame_id', S, 'optical frame of the thermal camera (tf frame)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)
TOPICS = ('camera/rgb/image_raw', 'camera/thermal/image_raw')


class SurfaceCameraNode(Node):
    def __init__(self) -> None:
        super().__init__(SURFACE_CAMERA.node)
        p = self._params = declare_parameters(self, PARAMETERS)
        if p.thermal_encoding not in ('32FC1', '16UC1'):
            raise ValueError(f'thermal_encoding {p.thermal_encoding!r}: expected 32FC1 or 16UC1')
        if len(p.class_weights) != len(CLASSES):
            raise ValueError(f'class_weights needs {len(CLASSES)} values, one per class of {CLASSES}')
        self._camera = SurfaceCamera(SurfaceCameraConfig(
            p.seed, dict(zip(CLASSES, p.class_weights, strict=True)), p.unseen_fraction, p.fault_fraction, p.family,
            p.width, p.height, p.thermal_width, p.thermal_height, p.mm_per_px, p.max_defects))
        self._health = Health(SURFACE_CAMERA.counters)
        self._rgb = self.create_publisher(Image, TOPICS[0], IMAGE_PUBLICATION)
        self._thermal = self.create_publisher(Image, TOPICS[1], IMAGE_PUBLICATION)
        # kept for late subscribers (the main job's probe on a loaded machine): the cameras start for the detector
        self._truth = self.create_publisher(GroundTruthLabel, 'camera/ground_truth', RECORDED_RESULTS)
        self._infos = [self.create_publisher(CameraInfo, camera_info_topic(t), IMAGE_PUBLICATION) for t in TOPICS]
        self._focal_px = [focal_from_horizontal_fov(w, p.horizontal_fov_deg) for w in (p.width, p.thermal_width)]
        self._index = 0
        self._gate = StartGate(p.wait_for_subscriber, p.wait_for_nodes, p.start_delay_s)
        self._timer = self.create_timer(1.0 / p.rate_hz, self._publish_next)
        self._diagnostics = DiagnosticsReporter(self, SURFACE_CAMERA, self._health, lambda: {PUBLISHED: self._index},
                                                self._state, p.diagnostics_period_s)

    def _state(self) -> str:
        if self._timer.is_canceled():
            return f'done: {self._index} pairs'
        return 'publishing' if self._index else 'waiting for subscribers'

    def _listening(self) -> bool:
        return min(self._rgb.get_subscription_count(), self._thermal.get_subscription_count()) > 0

    def _peers(self) -> list[str]:
        return in_namespace(self.get_node_names_and_namespaces(), self.get_namespace())

    def _publish_next(self) -> None:
        if self._index == 0 and not self._gate.is_open(self._listening, self._peers):
            return
        frame = self._camera.frame(self._index)
        now_ns = self.get_clock().now().nanoseconds
        rgb = self._rgb_image(frame, Header(stamp=from_ns(now_ns), frame_id=self._params.rgb_frame_id))
        images = [rgb]
        if frame.thermal is not None:
            stamp = from_ns(now_ns + round(self._params.thermal_delay_s * 1e9))
            images.append(self._thermal_image(frame, Header(stamp=stamp, frame_id=self._params.thermal_frame_id)))
        # the truth first: whoever scores the detections has it before the detection can arrive
        truth = GroundTruthLabel(header=rgb.header, label=frame.label, variant=frame.fault or frame.variant,
                                 unseen=frame.unseen, image_topics=list(TOPICS[:len(images)]),
                                 image_sha256=[hashlib.sha256(image.data).hexdigest() for image in images],
                                 regions=[DefectRegion(roi=_roi(r.box), label=r.kind, confidence=1.0)
                                          for r in frame.regions])
        publish_or_report(self._truth, truth, self._health, self.get_logger())
        for publisher, info, focal, image in zip((self._rgb, self._thermal), self._infos, self._focal_px, images,
                                                 strict=False):
            publisher.publish(image)
            if image.width:
                info.publish(pinhole_camera_info(image.header, image.width, image.height, focal))
        self._index += 1
        self._health.count(FAULT[frame.fault] if frame.fault else TRUTH[frame.label])
        if self._index == self._params.max_frames:
            self._timer.cancel()
            self.get_logger().info(f'published {self._index} pairs: done')

    @staticmethod
    def _rgb_image(frame: SurfaceFrame, header: Header) -> Image:
        if frame.rgb.size == 0:   # a driver glitch: a header and no pixels
            return Image(header=header, encoding=frame.rgb_encoding)
        image = numpy_to_image(frame.rgb, 'rgb8', header)
        image.encoding = frame.rgb_encoding
        return image

    def _thermal_image(self, frame: SurfaceFrame, header: Header) -> Image:
        if self._params.thermal_encoding == '16UC1' and not frame.fault:
            return numpy_to_image(celsius_to_centikelvin(frame.thermal), '16UC1', header)
        return numpy_to_image(frame.thermal, '32FC1', header)   # NaN has no centikelvin: faults go as 32FC1


def _roi(box: tuple[int, int, int, int]) -> RegionOfInterest:
    return RegionOfInterest(x_offset=box[0], y_offset=box[1], width=box[2] - box[0], height=box[3] - box[1])


def main(args: list[str] | None = None) -> None:
    run_node(SurfaceCameraNode, 'surface_camera', args)


if __name__ == '__main__':
    main()
