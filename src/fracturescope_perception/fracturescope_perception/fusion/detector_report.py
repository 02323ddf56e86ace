"""What the defect detector says about itself on /diagnostics, built without ROS from its parts."""

from __future__ import annotations

from collections import deque

from fracturescope_common.diagnostics_contract import Key
import numpy as np

from fracturescope_perception.diagnostics_contract import (
    ANOMALY_THRESHOLD,
    DEFECT_THRESHOLD,
    DETECTIONS_RATE,
    INFERENCE_P50,
    LATENCY_P50,
    LATENCY_P95,
    MODEL,
    PAIRED,
    REINSPECTIONS_ANSWERED,
    REINSPECTIONS_REQUESTED,
    REINSPECTIONS_WAITING,
    RESYNCED,
    SITE_CALIBRATION,
    UNPAIRED,
    WAITING_RGB,
    WAITING_THERMAL,
)
from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception.fusion.reinspection import ReinspectionQueue
from fracturescope_perception.fusion.site_calibration import SiteCalibrationRun
from fracturescope_perception.fusion.synchronizer import PairSynchronizer

RATE_WINDOW_S = 10.0


class DetectorReport:
    """Throughput of the last `window` pairs: inference time, stamp-to-publish latency, detections per second."""

    def __init__(self, window: int = 300) -> None:
        self._inference_ms: deque[float] = deque(maxlen=window)
        self._latency_ms: deque[float] = deque(maxlen=window)
        self._published_at: deque[float] = deque(maxlen=1000)

    def inferred(self, inference_ms: float) -> None:
        self._inference_ms.append(inference_ms)

    def published(self, at_s: float, latency_ms: float) -> None:
        self._published_at.append(at_s)
        self._latency_ms.append(latency_ms)

    def values(self, classifier: FusionClassifier, sync: PairSynchronizer, site_run: SiteCalibrationRun | None,
               reinspections: ReinspectionQueue, now_s: float) -> dict[Key, object]:
        recent = sum(1 for t in self._published_at if now_s - t <= RATE_WINDOW_S)
        latency = np.asarray(self._latency_ms) if self._latency_ms else np.zeros(1)
        inference = np.asarray(self._inference_ms) if self._inference_ms else np.zeros(1)
        return {MODEL: classifier.model_id, DETECTIONS_RATE: recent / RATE_WINDOW_S,
                ANOMALY_THRESHOLD: classifier.anomaly_threshold, DEFECT_THRESHOLD: classifier.defect_threshold,
                SITE_CALIBRATION: f'{site_run.collected}/{site_run.frames}' if site_run else 'idle',
                LATENCY_P50: float(np.median(latency)), LATENCY_P95: float(np.percentile(latency, 95)),
                INFERENCE_P50: float(np.median(inference)), PAIRED: sync.paired,
                WAITING_RGB: sync.pending('rgb'), WAITING_THERMAL: sync.pending('thermal'),
                **{UNPAIRED[drop]: sync.dropped[drop] for drop in UNPAIRED.members},
                **{RESYNCED[stream]: sync.resynced[stream] for stream in RESYNCED.members},
                REINSPECTIONS_REQUESTED: reinspections.requested, REINSPECTIONS_WAITING: reinspections.waiting,
                REINSPECTIONS_ANSWERED: reinspections.answered}
