"""Simulated detection source: publishes seeded DefectDetection messages at a fixed rate."""

from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.health import Health
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RELIABLE_EVENTS
from rclpy.node import Node
from rclpy.parameter import Parameter

from fracturescope_msgs.msg import DefectDetection
from fracturescope_sim.synthetic_detections import DetectionSynthesizer, SyntheticDetection

PARAMETERS = (
    ParameterSpec('rate_hz', Parameter.Type.DOUBLE, 'detections published per second (Hz)'),
    ParameterSpec('max_detections', Parameter.Type.INTEGER,
                  'stop publishing after this many; 0 publishes until shut down (count)'),
    ParameterSpec('wait_for_subscriber', Parameter.Type.BOOL,
                  'start publishing only once something subscribes, so a counted run loses nothing (flag)'),
    ParameterSpec('seed', Parameter.Type.INTEGER, 'random seed of the stream (integer)'),
    ParameterSpec('class_names', Parameter.Type.STRING_ARRAY, 'classes of the simulated classifier (names)'),
    ParameterSpec('class_weights', Parameter.Type.DOUBLE_ARRAY, 'relative frequency of each class (ratio)'),
    ParameterSpec('accuracy', Parameter.Type.DOUBLE, 'probability that the label is the true class (0..1)'),
    ParameterSpec('anomaly_fraction', Parameter.Type.DOUBLE,
                  'share of frames showing a defect type never seen in training (0..1)'),
    ParameterSpec('anomaly_threshold', Parameter.Type.DOUBLE,
                  'anomaly score over which the label is "anomaly" (seed 001: 0.7) (0..1)'),
    ParameterSpec('malformed_fraction', Parameter.Type.DOUBLE,
                  'share of deliberately malformed detections, to exercise rejection (0..1)'),
    ParameterSpec('location', Parameter.Type.STRING, 'asset / zone the simulated robot inspects (asset id)'),
    ParameterSpec('frame_id', Parameter.Type.STRING, 'optical frame of the simulated RGB camera (tf frame)'),
    ParameterSpec('model_id', Parameter.Type.STRING, 'model id written in each detection (name@version)'),
    ParameterSpec('diagnostics_period_s', Parameter.Type.DOUBLE, 'period of /diagnostics reports (s)'),
)
IMAGE_TOPICS = ['camera/rgb/image_raw', 'camera/thermal/image_raw']


class DetectionSource(Node):
    def __init__(self) -> None:
        super().__init__('detection_source')
        self._params = declare_parameters(self, PARAMETERS)
        self._synthesizer = DetectionSynthesizer(
            self._params.class_names, self._params.class_weights, self._params.accuracy,
            self._params.anomaly_fraction, self._params.anomaly_threshold,
            self._params.malformed_fraction, self._params.seed,
        )
        self._health = Health()
        self._publisher = self.create_publisher(DefectDetection, 'defects', RELIABLE_EVENTS)
        self._published = 0
        self._timer = self.create_timer(1.0 / self._params.rate_hz, self._publish_next)
        self._diagnostics = DiagnosticsReporter(
            self, self._health, lambda: {'published': self._published}, self._state, self._params.diagnostics_period_s
        )

    def _state(self) -> str:
        if self._timer.is_canceled():
            return f'done: {self._published} detections published'
        return 'publishing' if self._published else 'waiting for a subscriber on defects'


    def _publish_next(self) -> None:
        if self._published == 0 and self._params.wait_for_subscriber and \
                self._publisher.get_subscription_count() == 0:
            return
        detection = self._synthesizer.next()
        if not publish_or_report(self._publisher, self._to_message(detection), self._health, self.get_logger()):
            return
        self._published += 1
        if self._published == self._params.max_detections:
            self._timer.cancel()
            self.get_logger().info(f'published {self._published} detections: done')
        self._health.count(f'truth_{detection.truth}')
        if detection.malformation:
            self._health.count(f'malformed_{detection.malformation}')

    def _to_message(self, detection: SyntheticDetection) -> DefectDetection:
        stamp = self.get_clock().now().to_msg()
        msg = DefectDetection(
            label=detection.label,
            confidence=detection.confidence,
            class_names=list(self._synthesizer.class_names),
            scores=list(detection.scores),
            anomaly_score=detection.anomaly_score,
            anomaly_threshold=self._synthesizer.anomaly_threshold,
            is_anomaly=detection.label == 'anomaly',
            image_topics=IMAGE_TOPICS,
            image_stamps=[stamp, stamp],
            image_sha256=list(detection.image_sha256),
            location=self._params.location,
            model_id=self._params.model_id,
        )
        msg.header.stamp = stamp
        msg.header.frame_id = self._params.frame_id
        return msg


def main(args: list[str] | None = None) -> None:
    run_node(DetectionSource, 'detection_source', args)


if __name__ == '__main__':
    main()
