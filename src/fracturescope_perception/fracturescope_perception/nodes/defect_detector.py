"""Defect detector node: RGB + thermal frames in, paired by stamp, registered, cut into tiles and classified by the
fused model (onnxruntime); DefectDetection out with every defect region, the frame's verdict and the SHA-256 of each
input image; an annotated view for RViz, /diagnostics. Signed "inspect again" operator commands make the next pairs
an answer to the operator (fusion/reinspection.py)."""

import time

from fracturescope_common.command_receiver import COMMAND_REJECTED, CommandReceiver, command_verifier
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health, Level
from fracturescope_common.image_conversion import CountScale, numpy_to_image
from fracturescope_common.image_stream import IMAGE_PUBLICATION, image_subscription_qos
from fracturescope_common.image_subscription import ImageSubscription
from fracturescope_common.log_throttle import LogThrottle
from fracturescope_common.node_main import run_node
from fracturescope_common.operator_commands import INSPECT_AGAIN
from fracturescope_common.params import declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RECORDED_RESULTS, RELIABLE_EVENTS
from fracturescope_common.stamps import to_ns
import numpy as np
from rclpy.node import Node
from sensor_msgs.msg import Image

from fracturescope_msgs.msg import DefectDetection, OperatorCommand
from fracturescope_msgs.srv import CalibrateSite
from fracturescope_perception.diagnostics_contract import (
    DEFECT_DETECTOR,
    FRAME_REFUSED,
    LABEL,
    PAIR_REJECTED,
    REINSPECTIONS_REFUSED,
    RGB_RECEIVED,
    SITE_CALIBRATIONS,
    THERMAL_RECEIVED,
    UNPAIRED_FRAMES,
    defect_detector,
)
from fracturescope_perception.fusion.annotation import annotate
from fracturescope_perception.fusion.classifier import PairError
from fracturescope_perception.fusion.detector_report import DetectorReport
from fracturescope_perception.fusion.frame_admission import FrameLimits, frame_refusal
from fracturescope_perception.fusion.reinspection import ReinspectionQueue
from fracturescope_perception.fusion.site_calibration import SiteCalibrationRun
from fracturescope_perception.fusion.synchronizer import PairSynchronizer
from fracturescope_perception.nodes.defect_detector_messages import TOPICS, detection_message, pair_arrays
from fracturescope_perception.nodes.defect_detector_parameters import PARAMETERS, check_change, make_classifier


class DefectDetectorNode(Node):
    def __init__(self) -> None:
        super().__init__(DEFECT_DETECTOR.node)
        p = self._params = declare_parameters(self, PARAMETERS, check_change)
        self._problem_log = LogThrottle(1.0)   # a line per problem reason and second
        self._classifier = make_classifier(p)
        self._site_run: SiteCalibrationRun | None = None
        self.create_service(CalibrateSite, '~/calibrate_site', self._on_calibrate_site)
        self._counts = CountScale(p.thermal_kelvin_per_count, p.thermal_count_offset_c)
        self._limits = FrameLimits(p.max_image_width_px, p.max_image_height_px, p.max_image_bytes, p.max_stamp_age_s,
                                   p.max_stamp_future_s)
        self._sync: PairSynchronizer[Image, Image] = PairSynchronizer(p.sync_slop_s, p.sync_queue_size,
                                                                        p.sync_resync_after)
        self._labels = LABEL.of([*self._classifier.classes, self._classifier.anomaly_label])
        self._contract = defect_detector(self._labels.members)
        self._health = Health(self._contract.counters)
        self._report = DetectorReport()
        self._reinspections = ReinspectionQueue(p.reinspect_pairs)
        log = self.get_logger()
        self._commands = CommandReceiver(command_verifier(p, log.error), p.command_target, {INSPECT_AGAIN},
                                         self._health, log.warning, COMMAND_REJECTED)
        self.create_subscription(OperatorCommand, 'operator/command', self._on_command, RELIABLE_EVENTS)
        self._unpaired = 0
        self._detections = self.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS)
        self._annotated = self.create_publisher(Image, 'defects/image', IMAGE_PUBLICATION)
        for topic, received in zip(TOPICS, (self._on_rgb, self._on_thermal), strict=True):
            ImageSubscription(self, topic, received, p.max_image_bytes, self._health,
                              image_subscription_qos(p.image_queue_depth))
        self._diagnostics = DiagnosticsReporter(self, self._contract, self._health, self._values, self._state,
                                                p.diagnostics_period_s)
        self.get_logger().info(f'running {self._classifier.model_id} ({self._classifier.card_path}), classes '
                               f'{", ".join(self._classifier.classes)}, anomaly over '
                               f'{self._classifier.anomaly_threshold:.3f}, defect over '
                               f'{self._classifier.defect_threshold:.3f}')

    def _on_calibrate_site(self, request: CalibrateSite.Request,
                           response: CalibrateSite.Response) -> CalibrateSite.Response:
        try:
            self._site_run = SiteCalibrationRun(self._classifier, request.frames, request.false_alarm_rate,
                                                request.save_path, self._params.site_anomaly_share)
        except ValueError as error:
            response.accepted, response.message = False, str(error)
            return response
        response.accepted, response.message = True, f'collecting {request.frames} clean pairs'
        self.get_logger().info(f'site calibration: {response.message}')
        return response

    def _calibrate_site(self, rgb: np.ndarray, thermal: np.ndarray) -> None:
        thresholds = self._site_run.add(rgb, thermal)
        if thresholds is not None:
            self._site_run = None
            self._health.count(SITE_CALIBRATIONS)
            self.get_logger().info(thresholds.summary)

    def _on_command(self, msg: OperatorCommand) -> None:
        command = self._commands.receive(msg)
        if command is None:
            return
        if self._reinspections.request(command.issuer, command.nonce):
            self.get_logger().info(f'{command.issuer} asked to inspect again (nonce {command.nonce}): the next '
                                   f'{self._reinspections.pairs_per_request} pair(s) answer it')
        else:
            self._health.problem(REINSPECTIONS_REFUSED, f'inspect-again from {command.issuer} refused: '
                                 f'{self._reinspections.waiting} requests already wait for camera pairs', Level.ERROR)
            self.get_logger().error(f'inspect-again from {command.issuer} refused: too many requests waiting')

    def _on_rgb(self, msg: Image) -> None:
        self._health.count(RGB_RECEIVED)
        if self._admitted('rgb', msg):
            self._classify_pairs(self._sync.add_rgb(to_ns(msg.header.stamp), msg))

    def _on_thermal(self, msg: Image) -> None:
        self._health.count(THERMAL_RECEIVED)
        if self._admitted('thermal', msg):
            self._classify_pairs(self._sync.add_thermal(to_ns(msg.header.stamp), msg))

    def _admitted(self, camera: str, msg: Image) -> bool:
        refusal = frame_refusal(self._limits, msg.width, msg.height, len(msg.data), to_ns(msg.header.stamp),
                                self.get_clock().now().nanoseconds)
        if refusal is not None:
            self._health.problem(FRAME_REFUSED[f'{camera}_{refusal[0]}'], f'{camera} frame: {refusal[1]}')
            self._problem_log.log(f'{camera}_{refusal[0]}', self.get_logger().error,
                                  f'{camera} frame refused ({refusal[0]}): {refusal[1]}')
        return refusal is None

    def _classify_pairs(self, pairs: list) -> None:
        unpaired = sum(self._sync.dropped.values())
        if unpaired > self._unpaired:
            self._health.problem(UNPAIRED_FRAMES, f'{unpaired - self._unpaired} frame(s) without a partner within '
                                 f'{self._params.sync_slop_s * 1e3:.0f} ms', n=unpaired - self._unpaired)
            self.get_logger().warning(f'frames without a partner so far: {dict(self._sync.dropped)}',
                                      throttle_duration_sec=2.0)
            self._unpaired = unpaired
        for rgb, thermal in pairs:
            self._classify(rgb.item, thermal.item)

    def _classify(self, rgb_msg: Image, thermal_msg: Image) -> None:
        try:
            rgb, thermal = pair_arrays(rgb_msg, thermal_msg, self._counts,
                                       (self._params.thermal_min_c, self._params.thermal_max_c))
            result = self._classifier.detect(rgb, thermal)
        except PairError as error:
            self._health.problem(PAIR_REJECTED[error.reason], str(error), Level.WARN)
            self._problem_log.log(error.reason, self.get_logger().error,
                                  f'pair at {to_ns(rgb_msg.header.stamp)} ns not classified: {error}')
            return
        self._report.inferred(result.inference_ms)
        if self._site_run is not None:
            self._calibrate_site(rgb, thermal)
        request = self._reinspections.next_pair()
        message = detection_message(rgb_msg, thermal_msg, result, self._classifier, self._params.location, request)
        if publish_or_report(self._detections, message, self._health, self.get_logger()):
            self._health.count(self._labels[result.label])
            self._report.published(time.monotonic(),
                                   (self.get_clock().now().nanoseconds - to_ns(rgb_msg.header.stamp)) * 1e-6)
        every = self._params.annotated_image_every
        routine = every and self._health.counters[RGB_RECEIVED.name] % every == 0
        if (routine or request) and self._annotated.get_subscription_count() > 0:
            view = annotate(rgb, thermal, result, self._params.annotated_image_px)
            self._annotated.publish(numpy_to_image(view, 'rgb8', rgb_msg.header))

    def _values(self) -> dict[Key, object]:
        return self._report.values(self._classifier, self._sync, self._site_run, self._reinspections,
                                   time.monotonic())

    def _state(self) -> str:
        if not self._sync.paired:
            return f'waiting for pairs on {TOPICS[0]} and {TOPICS[1]}'
        return f'classifying with {self._classifier.model_id}'


def main(args: list[str] | None = None) -> None:
    run_node(DefectDetectorNode, 'defect_detector', args)


if __name__ == '__main__':
    main()
