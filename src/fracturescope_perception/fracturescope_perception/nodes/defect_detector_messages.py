"""DefectDetection messages from the detector's results."""

import hashlib

from sensor_msgs.msg import Image, RegionOfInterest

from fracturescope_msgs.msg import DefectDetection, DefectRegion
from fracturescope_perception.fusion.classifier import Detection, FusionClassifier
from fracturescope_perception.fusion.reinspection import Request

TOPICS = ('camera/rgb/image_raw', 'camera/thermal/image_raw')


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
