"""Thermal monitor node (seed 001, issue 18): thermal frames of equipment in, its state and hot spots out; learns
an installation from its own frames on request (thermal_monitor/learn)."""

from collections import Counter
from pathlib import Path
import time
from typing import Any

from ament_index_python.packages import get_package_share_directory
from fracturescope_common.background import in_background
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health, Level
from fracturescope_common.image_conversion import CountScale, numpy_to_image
from fracturescope_common.image_stream import IMAGE_PUBLICATION
from fracturescope_common.image_subscription import ImageSubscription
from fracturescope_common.log_throttle import LogThrottle
from fracturescope_common.node_main import run_node
from fracturescope_common.params import declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RECORDED_RESULTS
from fracturescope_common.stamps import stamp_problem, to_ns
from rclpy.node import Node
from rclpy.task import Future
from sensor_msgs.msg import Image

from fracturescope_msgs.msg import ThermalAssessment
from fracturescope_msgs.srv import LearnInstallation
from fracturescope_perception.diagnostics_contract import (
    ALERTS,
    ASSESSED,
    ASSESSMENT_RATE,
    FRAME_REJECTED,
    FRAMES,
    INFERENCE_MS_P50,
    INFERENCE_MS_P95,
    MODEL_ID,
    STATE,
    THERMAL_MONITOR,
    thermal_monitor,
)
from fracturescope_perception.nodes.thermal_monitor_parameters import PARAMETERS
from fracturescope_perception.thermal_monitor.annotation import annotate
from fracturescope_perception.thermal_monitor.assessment_message import assessment_message
from fracturescope_perception.thermal_monitor.frame_input import (
    FrameRejectedError,
    RateAndLatency,
    celsius_frame,
    model_id,
)
from fracturescope_perception.thermal_monitor.monitor import load_monitor
from fracturescope_perception.thermal_monitor.teach_in import TeachIn

IMAGE_TOPIC = 'equipment_thermal/image_raw'


class ThermalMonitorNode(Node):
    def __init__(self) -> None:
        super().__init__(THERMAL_MONITOR.node)
        p = self._params = declare_parameters(self, PARAMETERS, self._change_threshold)
        card = Path(p.model_card)
        if not card.is_absolute():
            card = Path(get_package_share_directory('fracturescope_perception')) / card
        self._counts = CountScale(p.thermal_kelvin_per_count, p.thermal_count_offset_c)
        self._health = Health(thermal_monitor().counters)
        self._stats = RateAndLatency(p.stats_window)
        self._frames = 0
        self._alerting = False
        self._teach_in: TeachIn | None = None
        self._rejection_log = LogThrottle(1.0)   # a line per rejection reason and second
        self._assessments = self.create_publisher(ThermalAssessment, 'thermal_monitor/assessment', RECORDED_RESULTS)
        self._annotated = self.create_publisher(Image, 'thermal_monitor/annotated', IMAGE_PUBLICATION)
        self._subscription = ImageSubscription(self, IMAGE_TOPIC, self._on_image, p.max_image_bytes,
                                               self._health)
        self.create_service(LearnInstallation, 'thermal_monitor/learn', self._on_learn)
        self._diagnostics = DiagnosticsReporter(self, THERMAL_MONITOR, self._health, self._values, self._state,
                                                p.diagnostics_period_s)
        self._use(card)

    def _use(self, card: Path) -> None:
        """Assess with the model of `card` from the next frame on."""
        self._monitor = load_monitor(card, self._params.alert_threshold, self._params.inference_threads)
        self._model_id = model_id(card)
        self._states_of = STATE.of(self._monitor.classes)
        self._states: Counter[str] = Counter()
        self._diagnostics.use_contract(thermal_monitor(self._states_of.members))
        self.get_logger().info(f'thermal monitor: {self._model_id} ({card}), {self._monitor.width} x '
                               f'{self._monitor.height}, states {self._monitor.classes}, alert when '
                               f'{self._monitor.card["alert_class"]} > {self._monitor.alert_threshold}')

    def _on_image(self, msg: Image) -> None:
        self._frames += 1
        started = time.perf_counter()
        try:
            if len(msg.data) > self._params.max_image_bytes:
                raise FrameRejectedError('too_large', f'{len(msg.data)} B, more than {self._params.max_image_bytes} B')
            refusal = stamp_problem(to_ns(msg.header.stamp), self.get_clock().now().nanoseconds,
                                    self._params.max_stamp_age_s, self._params.max_stamp_future_s)
            if refusal is not None:
                raise FrameRejectedError(*refusal)
            frame = celsius_frame(msg, self._monitor.height, self._monitor.width,
                                  (self._params.thermal_min_c, self._params.thermal_max_c), self._counts)
        except FrameRejectedError as rejected:
            self._health.problem(FRAME_REJECTED[rejected.reason], str(rejected), Level.WARN)
            # throttled per reason (rclpy throttles per call site): a new kind of bad frame is always logged
            self._rejection_log.log(rejected.reason, self.get_logger().error,
                                    f'thermal frame not assessed ({rejected.reason}): {rejected}')
            return
        stamp_s = to_ns(msg.header.stamp) * 1e-9
        result = self._monitor.assess(frame, stamp_s)
        inference_ms = (time.perf_counter() - started) * 1e3
        self._stats.add(time.monotonic(), inference_ms)
        self._states[result.label] += 1
        out = assessment_message(msg, self._subscription.topic_name, float(frame.max()), result, self._monitor,
                                 self._model_id, inference_ms)
        if result.alert:
            # counted as a problem: /diagnostics goes to WARN for Health.recent_s after the latest alert
            where = f', hot spot {result.hot_spots[0].box} +{result.hot_spots[0].excess_k:.1f} K' \
                if result.hot_spots else ''
            self._health.problem(ALERTS, f'anomaly probability {result.anomaly_probability:.2f} > '
                                 f'{self._monitor.alert_threshold}{where}')
            if not self._alerting:
                self.get_logger().warning(f'ALERT: thermal anomaly, probability {result.anomaly_probability:.2f}'
                                          f'{where}, hottest pixel {out.max_temperature_c:.1f} degC')
        self._alerting = result.alert
        publish_or_report(self._assessments, out, self._health, self.get_logger())
        if self._annotated.get_subscription_count():
            publish_or_report(self._annotated, numpy_to_image(annotate(frame, result, self._params.annotation_scale),
                                                              'rgb8', msg.header), self._health, self.get_logger())
        if self._teach_in is not None and self._teach_in.add(frame, stamp_s):
            self._learn()

    def _on_learn(self, request: LearnInstallation.Request,
                  response: LearnInstallation.Response) -> LearnInstallation.Response:
        try:
            self._teach_in = TeachIn(request.installation_id, request.frames, Path(self._params.installation_dir))
        except ValueError as refused:
            response.accepted, response.message = False, str(refused)
            return response
        response.accepted = True
        response.message = f'learning {request.installation_id} from the next {request.frames} frames'
        self.get_logger().info(response.message)
        return response

    def _learn(self) -> None:
        """Learn off the executor (seconds for a long teach-in): frames go on being assessed meanwhile."""
        teach_in, self._teach_in = self._teach_in, None
        in_background(self, teach_in.learn, 'learn').add_done_callback(
            lambda done: self._learnt(teach_in.installation_id, done))

    def _learnt(self, installation_id: str, done: Future) -> None:
        try:
            model, card = done.result()
        except (OSError, ValueError) as error:
            self.get_logger().error(f'installation {installation_id} not learnt: {error}')
            return
        self.get_logger().info(f'learnt {model.installation_id}: {model.card["frames_per_state"]} -> {card}')
        self._use(card)

    def _change_threshold(self, changes: dict[str, Any]) -> str | None:
        """ros2 param set thermal_monitor alert_threshold 0.8: takes effect from the next frame."""
        try:
            self._monitor.set_alert_threshold(changes.get('alert_threshold', self._monitor.alert_threshold))
        except ValueError as refused:
            return str(refused)
        return None

    def _values(self) -> dict[Key, object]:
        return {FRAMES: self._frames, ASSESSED: sum(self._states.values()), ASSESSMENT_RATE: self._stats.rate_hz(),
                INFERENCE_MS_P50: self._stats.percentile_ms(50), INFERENCE_MS_P95: self._stats.percentile_ms(95),
                **{self._states_of[c]: self._states[c] for c in self._states_of.members}, MODEL_ID: self._model_id}

    def _state(self) -> str:
        if not self._frames:
            return f'waiting for {IMAGE_TOPIC}'
        learning = f'; learning {self._teach_in.installation_id} ({self._teach_in.collected} of ' \
                   f'{self._teach_in.wanted} frames)' if self._teach_in else ''
        return ('ALERT: thermal anomaly' if self._alerting else 'equipment normal') + learning


def main(args: list[str] | None = None) -> None:
    run_node(ThermalMonitorNode, 'thermal_monitor', args)


if __name__ == '__main__':
    main()
