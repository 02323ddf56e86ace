"""Thermal monitor node (seed 001): 32 x 24 thermal frames of equipment in, cold / warm / hot / anomaly out."""

from collections import Counter
import hashlib
import math
from pathlib import Path
import time
from typing import Any

from ament_index_python.packages import get_package_share_directory
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health, Level
from fracturescope_common.image_conversion import CountScale
from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RECORDED_RESULTS
from fracturescope_common.stamps import stamp_problem, to_ns
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Image

from fracturescope_msgs.msg import ThermalAssessment
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
from fracturescope_perception.thermal_monitor.frame_input import (
    FrameRejectedError,
    RateAndLatency,
    celsius_frame,
    model_id,
)
from fracturescope_perception.thermal_monitor.monitor import ThermalMonitor

D, INT, S = Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING
PARAMETERS = (
    ParameterSpec('model_card', S, 'model card JSON (its ONNX file beside it); relative to the package share folder '
                  '(path)'),
    ParameterSpec('thermal_kelvin_per_count', D, '16UC1 / mono16 frames: temperature step of one count (K)'),
    ParameterSpec('thermal_count_offset_c', D, '16UC1 / mono16 frames: temperature of count 0 (degC)'),
    ParameterSpec('thermal_min_c', D, 'lowest temperature the sensor reports; frames with colder pixels are refused '
                  '(degC)'),
    ParameterSpec('thermal_max_c', D, 'highest temperature the sensor reports (degC)'),
    ParameterSpec('max_stamp_age_s', D, 'frames stamped longer ago by the node clock are refused (s)'),
    ParameterSpec('max_stamp_future_s', D, 'frames stamped further ahead of the node clock are refused (s)'),
    ParameterSpec('alert_threshold', D, 'alert when the anomaly probability exceeds this (0..1)', runtime=True),
    ParameterSpec('inference_threads', INT, 'onnxruntime intra-op threads (count)'),
    ParameterSpec('stats_window', INT, 'frames over which rate and latency percentiles are computed (frames)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)
IMAGE_TOPIC = 'equipment_thermal/image_raw'


class ThermalMonitorNode(Node):
    def __init__(self) -> None:
        super().__init__(THERMAL_MONITOR.node)
        p = self._params = declare_parameters(self, PARAMETERS, self._change_threshold)
        card = Path(p.model_card)
        if not card.is_absolute():
            card = Path(get_package_share_directory('fracturescope_perception')) / card
        self._monitor = ThermalMonitor(card, p.alert_threshold, p.inference_threads)
        self._counts = CountScale(p.thermal_kelvin_per_count, p.thermal_count_offset_c)
        self._model_id = model_id(card)
        self._states_of = STATE.of(self._monitor.classes)
        self._contract = thermal_monitor(self._states_of.members)
        self._health = Health(self._contract.counters)
        self._stats = RateAndLatency(p.stats_window)
        self._states: Counter[str] = Counter()
        self._frames = 0
        self._alerting = False
        self._logged: dict[str, float] = {}  # rejection reason -> when last logged (perf_counter s)
        self._assessments = self.create_publisher(ThermalAssessment, 'thermal_monitor/assessment', RECORDED_RESULTS)
        self._subscription = self.create_subscription(Image, IMAGE_TOPIC, self._on_image, IMAGE_SUBSCRIPTION)
        self._diagnostics = DiagnosticsReporter(self, self._contract, self._health, self._values, self._state,
                                                p.diagnostics_period_s)
        self.get_logger().info(f'thermal monitor: {self._model_id}, {self._monitor.width} x {self._monitor.height}, '
                               f'alert when {self._monitor.card["alert_class"]} > {p.alert_threshold}')

    def _on_image(self, msg: Image) -> None:
        self._frames += 1
        started = time.perf_counter()
        try:
            refusal = stamp_problem(to_ns(msg.header.stamp), self.get_clock().now().nanoseconds,
                                    self._params.max_stamp_age_s, self._params.max_stamp_future_s)
            if refusal is not None:
                raise FrameRejectedError(*refusal)
            frame = celsius_frame(msg, self._monitor.height, self._monitor.width,
                                  (self._params.thermal_min_c, self._params.thermal_max_c), self._counts)
        except FrameRejectedError as rejected:
            self._health.problem(FRAME_REJECTED[rejected.reason], str(rejected), Level.WARN)
            # throttled per reason (rclpy throttles per call site): a new kind of bad frame is always logged
            if started - self._logged.get(rejected.reason, -math.inf) >= 1.0:
                self._logged[rejected.reason] = started
                self.get_logger().error(f'thermal frame not assessed ({rejected.reason}): {rejected}')
            return
        result = self._monitor.assess(frame)
        inference_ms = (time.perf_counter() - started) * 1e3
        self._stats.add(time.monotonic(), inference_ms)
        self._states[result.label] += 1
        out = ThermalAssessment(
            header=msg.header, label=result.label, class_names=self._monitor.classes,
            probabilities=[result.probabilities[c] for c in self._monitor.classes],
            anomaly_probability=result.anomaly_probability, alert_threshold=self._monitor.alert_threshold,
            alert=result.alert, max_temperature_c=float(frame.max()), image_topic=self._subscription.topic_name,
            image_sha256=hashlib.sha256(msg.data).hexdigest(), model_id=self._model_id,
            inference_ms=inference_ms)
        if result.alert:
            # counted as a problem: /diagnostics goes to WARN for Health.recent_s after the latest alert
            self._health.problem(ALERTS, f'anomaly probability {result.anomaly_probability:.2f} > '
                                 f'{self._monitor.alert_threshold} (hottest {out.max_temperature_c:.1f} degC)')
            if not self._alerting:
                self.get_logger().warning(f'ALERT: thermal anomaly, probability {result.anomaly_probability:.2f}, '
                                       f'hottest pixel {out.max_temperature_c:.1f} degC')
        self._alerting = result.alert
        publish_or_report(self._assessments, out, self._health, self.get_logger())

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
        return 'ALERT: thermal anomaly' if self._alerting else 'equipment normal'


def main(args: list[str] | None = None) -> None:
    run_node(ThermalMonitorNode, 'thermal_monitor', args)


if __name__ == '__main__':
    main()
