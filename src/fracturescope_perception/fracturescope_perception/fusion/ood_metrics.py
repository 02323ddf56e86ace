"""Anomaly score, its calibration and AUROC: numpy only, shared by the calibration pipeline and the node.

Equation numbers follow fusion/anomaly.py, where the distance is defined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LN2 = float(np.log(2.0))


@dataclass(frozen=True)
class Calibration:
    reference_distance: float   # median squared distance on validation data: the score there is 0.5
    threshold: float            # anomaly score over which a sample is reported as an anomaly, 0..1
    false_alarm_rate: float     # share of validation (known-class) samples over the threshold


def anomaly_score(distance: np.ndarray, reference_distance: float) -> np.ndarray:
    """s = 1 - exp(-ln2 * d / d_ref): 0 at a class mean, 0.5 at the validation median, -> 1 far away  # eq. 2"""
    return 1.0 - np.exp(-LN2 * np.asarray(distance, np.float64) / reference_distance)


def calibrate(val_distance: np.ndarray, false_alarm_rate: float) -> Calibration:
    """Threshold = the (1 - false_alarm_rate) quantile of the validation scores  # eq. 3"""
    if not 0.0 < false_alarm_rate < 1.0:
        raise ValueError('false_alarm_rate must be in (0, 1)')
    reference = float(np.median(val_distance))
    scores = anomaly_score(val_distance, reference)
    threshold = float(np.quantile(scores, 1.0 - false_alarm_rate))
    return Calibration(reference, threshold, float(np.mean(scores > threshold)))


def auroc(negative_scores: np.ndarray, positive_scores: np.ndarray) -> float:
    """Area under the ROC curve = P(positive scores above negative), ties counted half (Mann-Whitney U)."""
    neg, pos = np.asarray(negative_scores, np.float64), np.asarray(positive_scores, np.float64)
    if len(neg) == 0 or len(pos) == 0:
        raise ValueError('AUROC needs scores of both groups')
    values = np.concatenate([neg, pos])
    order = np.argsort(values, kind='mergesort')
    ranks = np.empty(len(values))
    sorted_values = values[order]
    # average ranks over ties
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(values)]])
    for s, e in zip(starts, ends, strict=True):
        ranks[order[s:e]] = (s + e + 1) / 2.0
    u = ranks[len(neg):].sum() - len(pos) * (len(pos) + 1) / 2.0
    return float(u / (len(neg) * len(pos)))
