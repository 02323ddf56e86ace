"""The thermal monitor at run time: a frame in degC -> state probabilities and an alert (onnxruntime, no torch).

Everything about the model comes from its card (JSON beside the ONNX file): classes, input size, normalisation,
the name of the alert class; the alert threshold is the caller's (a node parameter; seed 001 uses 0.7).
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort


@dataclass(frozen=True)
class Assessment:
    label: str                          # most probable state
    probabilities: dict[str, float]     # per state, sums to 1
    anomaly_probability: float
    alert: bool                         # anomaly_probability > threshold


class ThermalMonitor:
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

    def set_alert_threshold(self, alert_threshold: float) -> None:
        """Alert when P(anomaly) exceeds it from the next frame on; ValueError outside 0..1."""
        if not 0.0 <= alert_threshold <= 1.0:
            raise ValueError(f'alert_threshold {alert_threshold} is not in 0..1')
        self.alert_threshold = alert_threshold

    def assess(self, frame_c: np.ndarray) -> Assessment:
        """Classify one frame (height x width, degC). Raises ValueError on a wrong shape or non-finite data."""
        frame = np.asarray(frame_c, np.float32)
        if frame.shape != (self.height, self.width):
            raise ValueError(f'frame is {frame.shape}, the model takes {(self.height, self.width)}')
        if not np.isfinite(frame).all():
            raise ValueError(f'frame has {int((~np.isfinite(frame)).sum())} non-finite temperatures')
        x = ((frame - self._offset) / self._scale)[None, None]
        probabilities = self._session.run(None, {self._input: x})[0][0]
        p_anomaly = float(probabilities[self._alert_index])
        return Assessment(
            label=self.classes[int(np.argmax(probabilities))],
            probabilities={c: float(p) for c, p in zip(self.classes, probabilities, strict=True)},
            anomaly_probability=p_anomaly,
            alert=p_anomaly > self.alert_threshold,
        )
