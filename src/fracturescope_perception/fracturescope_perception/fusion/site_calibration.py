"""Site calibration: per-site thresholds from frames of known-clean surface, so a new site's concrete, light and
thermal climate do not turn into false alarms.

A clean frame is a false alarm when any tile is reported: as an anomaly (score over the anomaly threshold) or as a
defect (P(none) under 1 - defect threshold). Over N clean frames the frame maxima of both tile statistics are
collected; each threshold is set to the (1 - rate / 2) quantile of its maxima (a union bound: at most `rate` of clean
frames over either), never below the card's own value (calibration may only make the detector quieter than trained).
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime
from pathlib import Path

import numpy as np
import yaml

from fracturescope_perception.fusion.classifier import FusionClassifier


@dataclass(frozen=True)
class SiteThresholds:
    model_id: str
    anomaly_threshold: float
    defect_threshold: float
    frames: int
    false_alarm_rate: float       # target share of clean frames with any report
    measured_before: float        # share of the calibration frames with a report at the card's thresholds
    measured_after: float         # ... at the calibrated thresholds

    def save(self, path: Path) -> None:
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values['written_utc'] = datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')
        Path(path).write_text('# fracturescope site calibration (fracturescope-calibrate-site)\n'
                              + yaml.safe_dump(values, sort_keys=False))

    @staticmethod
    def load(path: Path) -> SiteThresholds:
        values = yaml.safe_load(Path(path).read_text()) or {}
        values.pop('written_utc', None)
        try:
            return SiteThresholds(**values)
        except TypeError as error:
            raise ValueError(f'{path}: not a site calibration ({error})') from None

    def apply(self, classifier: FusionClassifier) -> None:
        if self.model_id != classifier.model_id:
            raise ValueError(f'site calibration is for {self.model_id}, the detector runs {classifier.model_id}: '
                             'recalibrate the site')
        classifier.set_thresholds(self.anomaly_threshold, self.defect_threshold)


class SiteCalibrator:
    """Collects clean frames' tile statistics, then computes the site's thresholds."""

    def __init__(self, classifier: FusionClassifier) -> None:
        self.classifier = classifier
        self._anomaly_max: list[float] = []
        self._defect_max: list[float] = []

    @property
    def frames(self) -> int:
        return len(self._anomaly_max)

    def add(self, rgb: np.ndarray, thermal_c: np.ndarray) -> None:
        batch = self.classifier.tiler.tiles(rgb, thermal_c)
        probabilities, anomaly = self.classifier.scores(batch)
        if not len(anomaly):
            return
        none = self.classifier.classes.index('none')
        self._anomaly_max.append(float(anomaly.max()))
        self._defect_max.append(float((1.0 - probabilities[:, none]).max()))

    def thresholds(self, false_alarm_rate: float) -> SiteThresholds:
        if self.frames < 20:
            raise ValueError(f'{self.frames} clean frames: at least 20 are needed to calibrate a site')
        if not 0.0 < false_alarm_rate < 1.0:
            raise ValueError('false_alarm_rate must be in (0, 1)')
        anomaly, defect = np.array(self._anomaly_max), np.array(self._defect_max)
        c = self.classifier
        card_anomaly = float(c.card['variants'][c.variant]['anomaly_threshold'])
        card_defect = float(c.card['variants'][c.variant].get('defect_threshold', 0.5))
        q = 1.0 - false_alarm_rate / 2.0
        anomaly_threshold = max(card_anomaly, float(np.quantile(anomaly, q)))
        defect_threshold = max(card_defect, float(np.quantile(defect, q)))

        def alarms(a: float, d: float) -> float:
            return float(np.mean((anomaly > a) | (defect > d)))

        return SiteThresholds(c.model_id, anomaly_threshold, defect_threshold, self.frames, false_alarm_rate,
                              alarms(card_anomaly, card_defect), alarms(anomaly_threshold, defect_threshold))


class SiteCalibrationRun:
    """One calibration from live frames: collects `frames` pairs, then applies (and saves) the thresholds."""

    def __init__(self, classifier: FusionClassifier, frames: int, false_alarm_rate: float, save_path: str) -> None:
        if frames < 20:
            raise ValueError(f'{frames} frames: at least 20 clean frames are needed')
        if not 0.0 < false_alarm_rate < 1.0:
            raise ValueError(f'false alarm rate {false_alarm_rate} is not in (0, 1)')
        self.frames, self.false_alarm_rate, self.save_path = frames, false_alarm_rate, save_path
        self._calibrator = SiteCalibrator(classifier)

    @property
    def collected(self) -> int:
        return self._calibrator.frames

    def add(self, rgb: np.ndarray, thermal_c: np.ndarray) -> SiteThresholds | None:
        """Take one clean pair; once enough are in, the thresholds, applied and saved."""
        self._calibrator.add(rgb, thermal_c)
        if self._calibrator.frames < self.frames:
            return None
        thresholds = self._calibrator.thresholds(self.false_alarm_rate)
        thresholds.apply(self._calibrator.classifier)
        if self.save_path:
            thresholds.save(Path(self.save_path))
        return thresholds
