"""The thermal monitor at run time: a frame in degC -> state probabilities and an alert.

Two kinds of model, told apart by their card: the seed's network (ONNX in onnxruntime, no torch; the card gives
classes, input size, normalisation and the alert class) and an installation model learnt from the user's own frames
(installation_model.py), which also locates hot spots. The alert threshold is the caller's (a node parameter; seed
001 uses 0.7). `load_monitor` opens either.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

from fracturescope_perception.thermal_monitor.installation_model import (
    FORMAT_FAMILY,
    HotSpot,
    InstallationModel,
    checked_frame,
)


@dataclass(frozen=True)
class Assessment:
    label: str                          # most probable state
    probabilities: dict[str, float]     # per state, sums to 1
    anomaly_probability: float
    alert: bool                         # anomaly_probability > threshold
    hot_spots: tuple[HotSpot, ...] = ()  # hottest first; the network does not locate


class AlertThreshold:
    def set_alert_threshold(self, alert_threshold: float) -> None:
        """Alert when P(anomaly) exceeds it from the next frame on; ValueError outside 0..1."""
        if not 0.0 <= alert_threshold <= 1.0:
            raise ValueError(f'alert_threshold {alert_threshold} is not in 0..1')
        self.alert_threshold = alert_threshold


class ThermalMonitor(AlertThreshold):
    """The seed's network."""

    installation_id = ''

    def __init__(self, card_path: Path, alert_threshold: float, threads: int = 1) -> None:
        self.set_alert_threshold(alert_threshold)
        card_path = Path(card_path)
        self.card = json.loads(card_path.read_text())
        self.classes: list[str] = list(self.card['classes'])
        self.height, self.width = self.card['input']['height'], self.card['input']['width']
        self._offset = np.float32(self.card['normalisation']['offset_c'])
        self._scale = np.float32(self.card['normalisation']['scale_k'])
        self._alert_index = self.classes.index(self.card['alert_class'])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(card_path.parent / self.card['model_file']), options,
                                             providers=['CPUExecutionProvider'])
        self._input = self._session.get_inputs()[0].name

    def assess(self, frame_c: np.ndarray, stamp_s: float | None = None) -> Assessment:
        """Classify one frame (height x width, degC); the network reads each frame alone, so `stamp_s` is not
        used. Raises ValueError on a wrong shape or non-finite data."""
        frame = checked_frame(frame_c, (self.height, self.width), np.float32)
        x = ((frame - self._offset) / self._scale)[None, None]
        probabilities = self._session.run(None, {self._input: x})[0][0]
        p_anomaly = float(probabilities[self._alert_index])
        return Assessment(
            label=self.classes[int(np.argmax(probabilities))],
            probabilities={c: float(p) for c, p in zip(self.classes, probabilities, strict=True)},
            anomaly_probability=p_anomaly,
            alert=p_anomaly > self.alert_threshold,
        )


class InstallationMonitor(AlertThreshold):
    """An installation model learnt from the user's frames, behind the same interface as the network."""

    def __init__(self, model: InstallationModel, alert_threshold: float) -> None:
        self.set_alert_threshold(alert_threshold)
        self.model, self.card = model, model.card
        self.installation_id = model.installation_id
        self.classes, self.height, self.width = model.classes, model.height, model.width

    def assess(self, frame_c: np.ndarray, stamp_s: float | None = None) -> Assessment:
        """One frame (degC); with `stamp_s` (s) the state also follows how the heat changed (frames in order)."""
        result = self.model.assess(frame_c, stamp_s)
        return Assessment(result.label, result.probabilities, result.anomaly_probability,
                          result.anomaly_probability > self.alert_threshold, tuple(result.hot_spots))


def load_monitor(card_path: Path, alert_threshold: float, threads: int = 1) -> ThermalMonitor | InstallationMonitor:
    """The monitor of `card_path`: an installation model's card, or the network's."""
    if str(json.loads(Path(card_path).read_text()).get('format', '')).startswith(FORMAT_FAMILY):
        return InstallationMonitor(InstallationModel.load(card_path), alert_threshold)
    return ThermalMonitor(card_path, alert_threshold, threads)
