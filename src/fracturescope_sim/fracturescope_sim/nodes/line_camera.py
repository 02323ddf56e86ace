"""Simulated line camera: 1080p frames of the furnace view (rgb8, or mono8 as a monochrome camera sends: the
tracker works on grey levels, eq. 3, and a third of the bytes cross DDS), and the ground truth of each frame.

The sheet comes from its own trajectory (sheet_source: trajectory, Edge-Eye alone) or from the line model of the PLC
simulator (sheet_source: line): then the camera sees the sheet the spreader rolls move, and the loop is closed."""

import hashlib
import math
import time

import cv2
from fracturescope_common.camera_info import pinhole_camera_info
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.health import Health
from fracturescope_common.image_conversion import numpy_to_image
from fracturescope_common.image_stream import IMAGE_PUBLICATION
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import OBSERVER_STREAM, RELIABLE_EVENTS
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.time import Time
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from fracturescope_msgs.msg import EdgeMeasurement
from fracturescope_sim.diagnostics_contract import LINE_CAMERA, LINE_LATE, PUBLISHED, RENDER_MS
from fracturescope_sim.edge_trajectory import SheetEdges, named, with_empty
from fracturescope_sim.lens_distortion import LensModel
from fracturescope_sim.line_camera import LineCamera, LineCameraConfig, LineCameraFrame, with_conditions
from fracturescope_sim.line_truth_history import LineTruthHistory

ENCODINGS = ('rgb8', 'mono8')
D, INT, S, B = Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING, Parameter.Type.BOOL
PARAMETERS = (
    ParameterSpec('fps', D, 'frames published per second (Hz)'),
    ParameterSpec('encoding', S, 'rgb8, or mono8 (the grey levels of eq. 3, as a monochrome camera) (name)'),
    ParameterSpec('colour', S, 'sheet colour, one of the 11 of fracturescope_sim.furnace_scene (name)'),
    ParameterSpec('condition', S, 'nominal, reflection, weak_light, dirt or startup (name)'),
    ParameterSpec('sheet_source', S, 'trajectory (the edge drift below) or line (line/ground_truth of the PLC '
                  'simulator: the sheet the rolls move) (name)'),
    ParameterSpec('line_extrapolation_s', D, 'sheet_source line: the newest line sample is extrapolated this long, '
                  'then held (s)'),
    ParameterSpec('trajectory', S, 'edge drift: gaussian, sinusoidal, step or constant (name)'),
    ParameterSpec('left_mm', D, 'mean left edge position in the ideal view (mm)'),
    ParameterSpec('right_mm', D, 'mean right edge position in the ideal view (mm)'),
    ParameterSpec('drift_mm', D, 'amplitude of the edge drift (mm)'),
    ParameterSpec('empty_at_start_s', D, 'the line looks empty for this long after the first frame (s)'),
    ParameterSpec('seed', INT, 'random seed of the recording (integer)'),
    ParameterSpec('lens', Parameter.Type.DOUBLE_ARRAY,
                  'true lens: focal, cx, cy, k1, k2, p1, p2, k3 (px, px, px, 1, 1, 1, 1, 1)'),
    ParameterSpec('frame_id', S, 'optical frame of the line camera (tf frame)'),
    ParameterSpec('max_frames', INT, 'stop after this many frames; 0 = until shut down (count)'),
    ParameterSpec('wait_for_subscriber', B, 'start the recording (t = 0) once a subscriber is connected (flag)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


class LineCameraNode(Node):
    def __init__(self) -> None:
        super().__init__(LINE_CAMERA.node)
        p = self._params = declare_parameters(self, PARAMETERS)
        if len(p.lens) != 8:
            raise ValueError('lens needs 8 values: focal, cx, cy, k1, k2, p1, p2, k3')
        lens = LensModel(1920, 1080, *p.lens)
        config = with_conditions(LineCameraConfig(lens=lens, colour=p.colour, fps=p.fps, seed=p.seed), p.condition)
        trajectory = with_empty(named(p.trajectory, p.left_mm, p.right_mm, p.drift_mm, p.seed),
                                [(-math.inf, p.empty_at_start_s)])
        self._camera = LineCamera(config, trajectory)
        if p.encoding not in ENCODINGS:
            raise ValueError(f'encoding {p.encoding!r}: {" or ".join(ENCODINGS)}')
        if p.sheet_source not in ('trajectory', 'line'):
            raise ValueError(f'sheet_source {p.sheet_source!r}: trajectory or line')
        self._line = LineTruthHistory(max_extrapolation_s=p.line_extrapolation_s)
        if p.sheet_source == 'line':
            self.create_subscription(EdgeMeasurement, 'line/ground_truth', self._on_line, OBSERVER_STREAM)
        self._started_ns: int | None = None
        self._health = Health(LINE_CAMERA.counters)
        self._images = self.create_publisher(Image, 'line_camera/image_raw', IMAGE_PUBLICATION)
        self._truth = self.create_publisher(EdgeMeasurement, 'line_camera/ground_truth', RELIABLE_EVENTS)
        self._info = self.create_publisher(CameraInfo, 'line_camera/camera_info', IMAGE_PUBLICATION)
        self._index = 0
        self._render_ms = 0.0
        self._timer = self.create_timer(1.0 / p.fps, self._publish_next)
        self._diagnostics = DiagnosticsReporter(
            self, LINE_CAMERA, self._health, lambda: {PUBLISHED: self._index, RENDER_MS: self._render_ms},
            self._state, p.diagnostics_period_s)

    def _state(self) -> str:
        if self._timer.is_canceled():
            return f'done: {self._index} frames'
        return f'{self._params.colour} sheet, {self._params.condition}' if self._index else 'waiting for a subscriber'

    def _publish_next(self) -> None:
        if self._index == 0 and self._params.wait_for_subscriber and self._images.get_subscription_count() == 0:
            return
        captured = self.get_clock().now()
        if self._params.sheet_source == 'line' and not self._line.knows(captured.nanoseconds * 1e-9):
            self._health.problem(LINE_LATE, 'line/ground_truth is late: frame dropped (a loaded machine?)')
            return
        started = time.perf_counter()
        frame = self._capture(captured)
        self._render_ms = (time.perf_counter() - started) * 1e3
        stamp = captured.to_msg()
        pixels = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY) if self._params.encoding == 'mono8' else frame.image
        image = numpy_to_image(pixels, self._params.encoding, Header(stamp=stamp, frame_id=self._params.frame_id))
        self._images.publish(image)
        focal, cx, cy, *distortion = self._params.lens   # the true lens: what a calibration would find
        self._info.publish(pinhole_camera_info(image.header, image.width, image.height, focal, cx, cy, distortion))
        publish_or_report(self._truth, self._truth_message(frame, image), self._health, self.get_logger())
        self._index += 1
        if self._index == self._params.max_frames:
            self._timer.cancel()
            self.get_logger().info(f'published {self._index} frames: done')

    def _on_line(self, msg: EdgeMeasurement) -> None:
        edges = SheetEdges(msg.left_mm, msg.right_mm) if msg.status == EdgeMeasurement.STATUS_OK else None
        self._line.add(Time.from_msg(msg.header.stamp).nanoseconds * 1e-9, edges)

    def _capture(self, captured: Time) -> LineCameraFrame:
        """Frame `self._index`: from the trajectory by frame time, or the line's sheet at the capture time."""
        if self._params.sheet_source == 'trajectory':
            return self._camera.frame(self._index)
        if self._started_ns is None:
            self._started_ns = captured.nanoseconds
        t = (captured.nanoseconds - self._started_ns) * 1e-9
        edges = self._line.at(captured.nanoseconds * 1e-9) if t >= self._params.empty_at_start_s else None
        return LineCameraFrame(self._index, t, self._camera.render(t, edges, self._index), edges)

    @staticmethod
    def _truth_message(frame: LineCameraFrame, image: Image) -> EdgeMeasurement:
        """The ground truth as an edge measurement of the same frame (same stamp and image hash)."""
        truth = EdgeMeasurement(header=image.header, image_sha256=hashlib.sha256(image.data).hexdigest())
        if frame.truth is None:
            truth.status = EdgeMeasurement.STATUS_NO_MATERIAL
            truth.left_mm = truth.right_mm = truth.width_mm = 0.0  # as the tracker: finite, the status says
        else:
            truth.status = EdgeMeasurement.STATUS_OK
            truth.left_mm, truth.right_mm = frame.truth.left_mm, frame.truth.right_mm
            truth.width_mm = frame.truth.width_mm
        return truth


def main(args: list[str] | None = None) -> None:
    run_node(LineCameraNode, 'line_camera', args)


if __name__ == '__main__':
    main()
