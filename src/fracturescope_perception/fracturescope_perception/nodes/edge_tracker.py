"""Edge-Eye tracker node: line-camera images in, sheet-edge measurements (mm) out (seed 002, IV.A-IV.D)."""

from collections import Counter, deque
import hashlib
import math
from pathlib import Path

from ament_index_python.packages import get_package_share_directory
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health, Level
from fracturescope_common.image_conversion import ImageConversionError
from fracturescope_common.image_stream import IMAGE_PUBLICATION
from fracturescope_common.image_subscription import ImageSubscription
from fracturescope_common.log_throttle import LogThrottle
from fracturescope_common.node_main import run_node
from fracturescope_common.params import declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RECORDED_RESULTS
from fracturescope_common.stamps import stamp_problem, to_ns
import numpy as np
from rclpy.node import Node
from sensor_msgs.msg import Image

from fracturescope_msgs.msg import EdgeMeasurement
from fracturescope_perception.diagnostics_contract import (
    BAD_IMAGE,
    BAD_STAMP,
    BAR,
    BLANK_FRAME,
    CACHE_FALSE_POSITIVES,
    CACHE_HITS,
    CACHE_LOOKUPS,
    EDGE_TRACKER,
    EMPTY_FRAME,
    FRAMES,
    PROCESSING_P50,
    PROCESSING_P95,
    STATUS,
)
from fracturescope_perception.edge_eye import settings
from fracturescope_perception.edge_eye.debug_view import debug_image
from fracturescope_perception.edge_eye.image_input import tracker_frame
from fracturescope_perception.edge_eye.super_resolution import make_upsampler
from fracturescope_perception.edge_eye.tracker import BAR_CODES, EdgeEyeTracker, EdgeResult, Status
from fracturescope_perception.nodes.edge_tracker_parameters import PARAMETERS, check_change

__all__ = ['PARAMETERS', 'EdgeTrackerNode', 'main', 'published_positions']


class EdgeTrackerNode(Node):
    def __init__(self) -> None:
        super().__init__(EDGE_TRACKER.node)
        p = self._params = declare_parameters(self, PARAMETERS, check_change)
        self._problem_log = LogThrottle(1.0)   # a line per problem reason and second
        values = vars(p)
        model = Path(p.espcn_model)
        if not model.is_absolute():
            model = Path(get_package_share_directory('fracturescope_perception')) / model
        self._correction = settings.correction(values)
        self._tracker = EdgeEyeTracker(settings.tracker_config(values), self._correction,
                                       make_upsampler(p.super_resolution, model, p.inference_threads))
        self._health = Health(EDGE_TRACKER.counters)
        self._statuses: Counter[str] = Counter()
        self._times_ms: deque[float] = deque(maxlen=300)
        self._frames = 0
        self._edges = self.create_publisher(EdgeMeasurement, 'edges', RECORDED_RESULTS)
        self._debug = self.create_publisher(Image, 'edges/debug_image', IMAGE_PUBLICATION)
        ImageSubscription(self, 'line_camera/image_raw', self._on_image, p.max_image_bytes, self._health)
        self._diagnostics = DiagnosticsReporter(self, EDGE_TRACKER, self._health, self._values, self._state,
                                                p.diagnostics_period_s)
        self.get_logger().info(f'Edge-Eye: {p.super_resolution} super-resolution, calibration RMS '
                               f'{p.calibration_rms_px:.3f} px')

    def _on_image(self, msg: Image) -> None:
        self._frames += 1
        p = self._params
        refusal = stamp_problem(to_ns(msg.header.stamp), self.get_clock().now().nanoseconds, p.max_stamp_age_s,
                                p.max_stamp_future_s)
        if refusal is not None:  # not measured, not published: no edge from a frame of another time
            self._health.problem(BAD_STAMP, refusal[1])
            self._problem_log.log(refusal[0], self.get_logger().error, f'frame refused ({refusal[0]}): {refusal[1]}')
            return
        try:
            if len(msg.data) > p.max_image_bytes:
                raise ImageConversionError(f'{len(msg.data)} B, more than {p.max_image_bytes} B: not decoded')
            frame = tracker_frame(msg, (p.width, p.height))
        except ImageConversionError as error:
            self._health.problem(BAD_IMAGE, str(error))
            self._problem_log.log('bad_image', self.get_logger().error, f'frame not measured: {error}')
            self._publish(msg, None, Status.UNRECOGNISED)
            return
        result = self._tracker.process(frame, to_ns(msg.header.stamp) * 1e-9)
        if result.problem:
            self._health.problem(BLANK_FRAME, result.problem, Level.WARN)
        self._times_ms.append(result.processing_ms)
        self._publish(msg, result, result.status)
        if p.debug_image_every and self._frames % p.debug_image_every == 0 and \
                self._debug.get_subscription_count() > 0:
            view = debug_image(frame, result, self._correction, p.mm_per_px, p.x_origin_mm)
            image = Image(header=msg.header, height=view.shape[0], width=view.shape[1], encoding='rgb8',
                          step=view.shape[1] * 3, data=view.tobytes())
            self._debug.publish(image)

    def _publish(self, msg: Image, result: EdgeResult | None, status: Status) -> None:
        out = EdgeMeasurement(header=msg.header, status=int(status),
                              image_sha256=hashlib.sha256(msg.data).hexdigest())
        out.left_mm, out.right_mm = published_positions(status, result)
        out.width_mm = out.right_mm - out.left_mm
        if result is not None:
            out.left_bar, out.right_bar = (BAR_CODES.get(bar or result.bar, EdgeMeasurement.BAR_NONE)
                                           for bar in result.edge_bars)
            out.cache_hit = result.cache_hit
            out.processing_ms = float(result.processing_ms)
        now = self.get_clock().now().nanoseconds
        out.latency_ms = float((now - to_ns(msg.header.stamp)) * 1e-6)
        self._statuses[status.name.lower()] += 1
        publish_or_report(self._edges, out, self._health, self.get_logger())

    def _values(self) -> dict[Key, object]:
        stats = self._tracker.cache.stats
        times = np.asarray(self._times_ms) if self._times_ms else np.zeros(1)
        return {FRAMES: self._frames, **{STATUS[s]: self._statuses[s] for s in STATUS.members},
                BAR: self._tracker.bar or 'none',
                EMPTY_FRAME: ('learnt' if self._tracker.availability.has_empty_frame
                              else 'not yet: waiting for both bars clear'),
                PROCESSING_P50: float(np.median(times)), PROCESSING_P95: float(np.percentile(times, 95)),
                CACHE_HITS: stats.hits, CACHE_LOOKUPS: stats.lookups, CACHE_FALSE_POSITIVES: stats.false_positives}

    def _state(self) -> str:
        if not self._frames:
            return 'waiting for line_camera/image_raw'
        return f'tracking on the {self._tracker.bar} bar' if self._tracker.bar else 'no sheet in view'


def published_positions(status: Status, result: EdgeResult | None) -> tuple[float, float]:
    """The message's positions: this frame's measurement with OK / REPAIRED; otherwise 0.0, no value (never the last
    good values, EdgeMeasurement.msg; 0.0 rather than NaN because the ledger records finite values only)."""
    if status in (Status.OK, Status.REPAIRED) and result is not None and \
            math.isfinite(result.left_mm) and math.isfinite(result.right_mm):
        return float(result.left_mm), float(result.right_mm)
    return 0.0, 0.0


def main(args: list[str] | None = None) -> None:
    run_node(EdgeTrackerNode, 'edge_tracker', args)


if __name__ == '__main__':
    main()
