"""The detector's messages: camera images -> arrays, results -> DefectDetection."""

from collections.abc import Callable
import hashlib

from fracturescope_common.image_conversion import CountScale, ImageConversionError, as_celsius, as_rgb
import numpy as np
from sensor_msgs.msg import Image, RegionOfInterest

from fracturescope_msgs.msg import DefectDetection, DefectRegion
from fracturescope_perception.fusion.classifier import Detection, FusionClassifier, PairError
from fracturescope_perception.fusion.frame_admission import check_temperatures
from fracturescope_perception.fusion.reinspection import Request

TOPICS = ('camera/rgb/image_raw', 'camera/thermal/image_raw')


def pair_arrays(rgb: Image, thermal: Image, counts: CountScale,
                thermal_range_c: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(RGB uint8, thermal degC) of a pair; PairError (bad_rgb_image, bad_thermal_image, or a temperature outside
    the sensor's range) when it cannot be classified."""
    rgb_array = _converted(rgb, 'bad_rgb_image', as_rgb)
    thermal_c = _converted(thermal, 'bad_thermal_image', lambda m: as_celsius(m, counts))
    check_temperatures(thermal_c, thermal_range_c)
    return rgb_array, thermal_c


def _converted(msg: Image, reason: str, convert: Callable[[Image], np.ndarray]) -> np.ndarray:
    try:
        return convert(msg)
    except ImageConversionError as error:
        raise PairError(reason, f'{msg.encoding} {msg.width}x{msg.height}: {error}') from error


def roi(box: tuple[int, int, int, int]) -> RegionOfInterest:
    x0, y0, x1, y1 = box
    return RegionOfInterest(x_offset=x0, y_offset=y0, width=x1 - x0, height=y1 - y0)


def detection_message(rgb: Image, thermal: Image, result: Detection, classifier: FusionClassifier,
                      location: str, request: Request | None = None) -> DefectDetection:
    """The detection of one pair, with the SHA-256 and stamp of each input image, and the operator request it
    answers (None: a routine pair)."""
    return DefectDetection(
        header=rgb.header, label=result.label, confidence=float(result.confidence),
        class_names=classifier.classes, scores=[float(v) for v in result.probabilities],
        anomaly_score=float(result.anomaly_score), anomaly_threshold=classifier.anomaly_threshold,
        is_anomaly=result.is_anomaly, image_topics=list(TOPICS),
        image_stamps=[rgb.header.stamp, thermal.header.stamp],
        image_sha256=[hashlib.sha256(rgb.data).hexdigest(), hashlib.sha256(thermal.data).hexdigest()],
        regions=[DefectRegion(roi=roi(r.box), label=r.label, confidence=float(r.confidence),
                              scores=[float(v) for v in r.scores], anomaly_score=float(r.anomaly_score),
                              is_anomaly=r.label == classifier.anomaly_label) for r in result.regions],
        inspected_roi=roi(result.seen_box), location=location, model_id=classifier.model_id,
        inference_ms=float(result.inference_ms), requested_by=request.issuer if request else '',
        request_nonce=request.nonce if request else 0)
