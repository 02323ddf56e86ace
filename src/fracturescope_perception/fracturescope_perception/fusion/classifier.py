"""The fusion classifier at run time: an RGB + thermal pair -> class probabilities, anomaly score and the label to
publish (onnxruntime and numpy only: no torch on the robot).

Everything about the model comes from its card (fusion.card.json beside the ONNX files): classes, input size,
normalisation, the variant to run and its calibrated anomaly threshold. Nothing about the model is written here.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import time

import numpy as np
import onnxruntime as ort

from fracturescope_perception.fusion.ood_metrics import anomaly_score
from fracturescope_perception.fusion.preprocessing import Normalisation, to_input

INPUT_NAME, OUTPUT_NAMES = 'pair', ('logits', 'ood_distance')
# Thermal and RGB views must show the same scene: aspect ratios further apart than this cannot be one field of view.
MAX_ASPECT_MISMATCH = 0.02


class PairError(ValueError):
    """A pair the classifier refuses; `reason` is a short counter name (nan_temperature, size_mismatch, ...)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Classification:
    label: str                  # a class name, or the card's anomaly label
    confidence: float           # probability of `label` (for an anomaly: the anomaly score), 0..1
    probabilities: np.ndarray   # softmax per class, in the card's class order
    anomaly_score: float        # 0 = like the training data, 1 = far from it
    is_anomaly: bool
    inference_ms: float         # preprocessing + inference


def onnx_session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])


def run_onnx(session: ort.InferenceSession, inputs: np.ndarray, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(logits N x classes, ood_distance N) over a whole array of inputs."""
    logits, distance = [], []
    for i in range(0, len(inputs), batch_size):
        out = session.run(list(OUTPUT_NAMES), {INPUT_NAME: inputs[i:i + batch_size]})
        logits.append(out[0])
        distance.append(out[1])
    return np.concatenate(logits), np.concatenate(distance)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def check_pair(rgb: np.ndarray, thermal_c: np.ndarray) -> None:
    """Raise PairError for a pair no preprocessing can make sense of."""
    if rgb.size == 0 or thermal_c.size == 0:
        raise PairError('empty_image', 'an image of the pair has no pixels')
    if not np.isfinite(thermal_c).all():
        bad = int(np.size(thermal_c) - np.count_nonzero(np.isfinite(thermal_c)))
        raise PairError('nan_temperature', f'thermal frame has {bad} NaN or infinite temperatures')
    rgb_aspect = rgb.shape[1] / rgb.shape[0]
    thermal_aspect = thermal_c.shape[1] / thermal_c.shape[0]
    if abs(rgb_aspect / thermal_aspect - 1.0) > MAX_ASPECT_MISMATCH:
        raise PairError('size_mismatch', f'RGB {rgb.shape[1]}x{rgb.shape[0]} and thermal '
                                         f'{thermal_c.shape[1]}x{thermal_c.shape[0]} do not show the same view')


class FusionClassifier:
    def __init__(self, card_path: Path, variant: str = '', threads: int = 1) -> None:
        card_path = Path(card_path)
        self.card = json.loads(card_path.read_text())
        self.variant = variant or self.card['default_variant']
        if self.variant not in self.card['variants']:
            raise ValueError(f'{card_path}: no variant {self.variant!r}; the card has {sorted(self.card["variants"])}')
        spec = self.card['variants'][self.variant]
        self.classes: list[str] = list(self.card['classes'])
        self.anomaly_label: str = self.card['anomaly_label']
        self.size: int = int(self.card['input']['size'])
        self.anomaly_threshold = float(spec['anomaly_threshold'])
        self._reference_distance = float(spec['anomaly_reference_distance'])
        self._norm = Normalisation.from_dict(self.card['normalisation'])
        self.model_id = f'{self.card["name"]}-{self.variant}@{self.card["version"]}'
        self._session = onnx_session(card_path.parent / spec['file'], threads)

    def classify(self, rgb: np.ndarray, thermal_c: np.ndarray) -> Classification:
        """One pair: H x W x 3 uint8 RGB, H' x W' float32 degC thermal (sizes may differ, the view may not)."""
        start = time.perf_counter()
        check_pair(rgb, thermal_c)
        x = to_input(rgb, thermal_c, self._norm, 'fused', self.size)
        logits, distance = self._session.run(list(OUTPUT_NAMES), {INPUT_NAME: x})
        return self._decide(softmax(logits[0]), float(distance[0]), (time.perf_counter() - start) * 1e3)

    def _decide(self, probabilities: np.ndarray, distance: float, inference_ms: float) -> Classification:
        score = float(anomaly_score(np.array([distance]), self._reference_distance)[0])
        if score > self.anomaly_threshold:
            return Classification(self.anomaly_label, score, probabilities, score, True, inference_ms)
        best = int(np.argmax(probabilities))
        return Classification(self.classes[best], float(probabilities[best]), probabilities, score, False,
                              inference_ms)

