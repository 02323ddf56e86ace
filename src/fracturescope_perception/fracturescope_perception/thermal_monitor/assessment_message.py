"""One assessment as the ThermalAssessment the node publishes (no rclpy)."""

import hashlib

from sensor_msgs.msg import Image, RegionOfInterest

from fracturescope_msgs.msg import ThermalAssessment
from fracturescope_perception.thermal_monitor.monitor import Assessment, InstallationMonitor, ThermalMonitor


def assessment_message(image: Image, image_topic: str, hottest_c: float, result: Assessment,
                       monitor: ThermalMonitor | InstallationMonitor, model_id: str,
                       inference_ms: float) -> ThermalAssessment:
    return ThermalAssessment(
        header=image.header, label=result.label, class_names=monitor.classes,
        probabilities=[result.probabilities[c] for c in monitor.classes],
        anomaly_probability=result.anomaly_probability, alert_threshold=monitor.alert_threshold,
        alert=result.alert, max_temperature_c=hottest_c, image_topic=image_topic,
        image_sha256=hashlib.sha256(image.data).hexdigest(), model_id=model_id, inference_ms=inference_ms,
        hot_spots=[RegionOfInterest(x_offset=s.box[0], y_offset=s.box[1], width=s.box[2] - s.box[0],
                                    height=s.box[3] - s.box[1]) for s in result.hot_spots],
        hot_spot_excess_k=[s.excess_k for s in result.hot_spots],
        installation_id=monitor.installation_id)
