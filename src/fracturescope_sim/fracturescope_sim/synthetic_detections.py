"""Seeded stream of classifier outputs with ground truth: the perception stand-in of the ledger slice.

Each detection hashes a freshly generated RGB + thermal frame pair, so every block in the ledger points at
distinct image content. A configurable share of detections is deliberately malformed, to exercise the
receivers' rejection path.
"""

from collections.abc import Sequence
from dataclasses import dataclass
import hashlib
import math

import numpy as np

MALFORMATIONS = ('nan_confidence', 'missing_image_hash', 'unknown_label')


@dataclass(frozen=True)
class SyntheticDetection:
    truth: str                       # ground-truth class
    label: str                       # predicted class (or a malformed value)
    confidence: float                # probability of `label`, 0..1 (NaN when malformed so)
    scores: tuple[float, ...]        # softmax per class
    anomaly_score: float             # 0..1
    image_sha256: tuple[str, ...]    # hex digests of the (rgb, thermal) frames
    malformation: str | None         # one of MALFORMATIONS, or None for a valid detection


class DetectionSynthesizer:
    """Draws a true class, a classifier that is right with probability `accuracy`, and the frames it saw."""

    def __init__(
        self,
        class_names: Sequence[str],
        class_weights: Sequence[float],
        accuracy: float,
        anomaly_fraction: float,
        anomaly_threshold: float,
        malformed_fraction: float,
        seed: int,
        frame_shape: tuple[int, int] = (48, 64),
    ) -> None:
        if len(class_names) != len(class_weights) or len(class_names) < 2:
            raise ValueError('need one weight per class and at least two classes')
        if not all(0.0 <= p <= 1.0 for p in (accuracy, anomaly_fraction, anomaly_threshold, malformed_fraction)):
            raise ValueError('accuracy, anomaly_fraction, anomaly_threshold, malformed_fraction must be in 0..1')
        weights = np.asarray(class_weights, dtype=float)
        self.class_names = tuple(class_names)
        self._prior = weights / weights.sum()
        self._accuracy = accuracy
        self._anomaly_fraction = anomaly_fraction
        self.anomaly_threshold = anomaly_threshold
        self._malformed_fraction = malformed_fraction
        self._frame_shape = frame_shape
        self._rng = np.random.default_rng(seed)

    def next(self) -> SyntheticDetection:
        n = len(self.class_names)
        truth = int(self._rng.choice(n, p=self._prior))
        predicted = truth if self._rng.random() < self._accuracy else int(self._rng.choice(
            [i for i in range(n) if i != truth]))
        logits = self._rng.normal(0.0, 1.0, n)
        logits[predicted] += 3.0 + self._rng.random() * 2.0
        scores = np.exp(logits - logits.max())
        scores /= scores.sum()
        # An unseen defect type: scored far from the training data, so reported as "anomaly".
        unseen = self._rng.random() < self._anomaly_fraction
        anomaly_score = float(self._rng.beta(12.0, 1.5) if unseen else self._rng.beta(1.5, 12.0))
        is_anomaly = anomaly_score > self.anomaly_threshold
        detection = SyntheticDetection(
            truth='anomaly' if unseen else self.class_names[truth],
            label='anomaly' if is_anomaly else self.class_names[predicted],
            confidence=anomaly_score if is_anomaly else float(scores[predicted]),
            scores=tuple(float(s) for s in scores),
            anomaly_score=anomaly_score,
            image_sha256=self._frame_hashes(),
            malformation=None,
        )
        if self._rng.random() < self._malformed_fraction:
            return self._malform(detection, MALFORMATIONS[int(self._rng.integers(len(MALFORMATIONS)))])
        return detection

    def _frame_hashes(self) -> tuple[str, ...]:
        height, width = self._frame_shape
        rgb = self._rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        thermal = (20.0 + 5.0 * self._rng.standard_normal((height, width))).astype(np.float32)
        return tuple(hashlib.sha256(frame.tobytes()).hexdigest() for frame in (rgb, thermal))

    @staticmethod
    def _malform(detection: SyntheticDetection, malformation: str) -> SyntheticDetection:
        changes = {
            'nan_confidence': {'confidence': math.nan},
            'missing_image_hash': {'image_sha256': (detection.image_sha256[0], '')},
            'unknown_label': {'label': 'graffito'},
        }[malformation]
        return SyntheticDetection(**{**detection.__dict__, **changes, 'malformation': malformation})
