"""Adaptive Canny double thresholds (paper IV.D.2, Fig. 11).

Start with large (H_high, H_low), which keep only a few strong edge points, and lower them step by step until the
mROI holds more than tau edge points and a vertical line at least `line_fraction` of the bar height long (the sheet
edge crosses the whole bar). The paper steps by (-H_u, -2 H_u); from the usual H_low = H_high / 2 that drives H_low
to its floor within a few steps, after which the hysteresis links noise to the edge (measured: weak-light sheets
were lost). Here H_low stays at `low_ratio` x H_high, i.e. the step is (-H_u, -low_ratio H_u).
Thresholds are kept for later frames and re-tuned only when tracking loses the edge.
"""

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class CannyThresholds:
    high: float
    low: float


def longest_vertical_line(points: np.ndarray) -> int:
    """Rows covered by the best 3-column-wide vertical strip of edge points."""
    covered = points[:, :-2] | points[:, 1:-1] | points[:, 2:]
    return int(covered.sum(axis=0).max()) if covered.size else 0


def tune_thresholds(image: np.ndarray, start_high: float, step: float, tau_points: int, line_rows: int,
                    min_high: float, margin_steps: int = 0, low_ratio: float = 0.4) -> CannyThresholds | None:
    """The first (high, low) from the top whose edge map satisfies both conditions, then `margin_steps` further
    steps down (thresholds that only just pass on this frame fail on the next noisy one), or None."""
    high = start_high
    while high >= min_high:
        points = cv2.Canny(image, low_ratio * high, high) > 0
        if int(points.sum()) > tau_points and longest_vertical_line(points) >= line_rows:
            high = max(high - margin_steps * step, min_high)
            return CannyThresholds(high, low_ratio * high)
        high -= step
    return None


def edge_points(image: np.ndarray, thresholds: CannyThresholds) -> np.ndarray:
    """Boolean edge map S_i of one mROI."""
    return cv2.Canny(image, thresholds.low, thresholds.high) > 0
