"""Abnormal-result detection and repair (paper IV.D.4, Fig. 14, eq. 9).

The sheet's width changes slowly, so a width change outside the IQR fence of recent width changes marks the
result abnormal. It is then replaced by the closest pair of edges whose width is the regression width w~(t),
a straight line fitted to the previous n accepted widths:
  argmin (x~_l - x_l)^2 + (x~_r - x_r)^2  s.t.  x~_r - x~_l = w~   (eq. 9)
whose solution moves both edges by half the width error. Beyond the paper, each term may be weighted by how
plausible that edge is (its distance from its own motion prediction): a single edge that jumped then takes the
whole correction instead of dragging the good edge half-way with it. Equal weights are eq. 9 exactly.
Further, an edge within `agree_px` of its own prediction is not moved at all: when one edge makes a fast step (the
width changes quickly, but that edge moves as it has been moving), weights alone still pushed the other, correct edge
by a share of the width error (2.7 px measured), enough to lose it. So: both edges agree with their predictions -> the
width change is real, nothing is repaired; one agrees -> it stays, the other takes the whole correction; neither ->
the weighted eq. 9.
"""

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RepairResult:
    left: float
    right: float
    repaired: bool
    fence: float                     # width-change threshold in force (px); inf while warming up


def constrained_edges(x_l: float, x_r: float, width: float, w_l: float = 1.0,
                      w_r: float = 1.0) -> tuple[float, float]:
    """Closed-form solution of eq. 9, argmin w_l (x~_l - x_l)^2 + w_r (x~_r - x_r)^2 s.t. x~_r - x~_l = width:
    the width error is shared in inverse proportion to the weights (half each for equal weights)."""
    error = width - (x_r - x_l)  # eq. 9 (Lagrange solution of the weighted form)
    return x_l - error * w_r / (w_l + w_r), x_r + error * w_l / (w_l + w_r)


def plausibility(x: float, predicted: float) -> float:
    """Weight of an edge in eq. 9: 1 / (1 + squared distance from its prediction in px); 1 without one."""
    return 1.0 if np.isnan(predicted) else 1.0 / (1.0 + (x - predicted) ** 2)


def iqr_fence(changes: np.ndarray, k: float) -> float:
    """Upper fence Q3 + k * IQR of |width changes| (Tukey)."""
    q1, q3 = np.percentile(np.abs(changes), [25.0, 75.0])
    return float(q3 + k * (q3 - q1))


class WidthRepair:
    def __init__(self, history: int, iqr_k: float, min_fence: float, min_history: int) -> None:
        self.iqr_k = iqr_k
        self.min_fence = min_fence      # width changes below this are never abnormal (noise floor), px
        self.min_history = min_history
        self._t: deque[float] = deque(maxlen=history)
        self._w: deque[float] = deque(maxlen=history)

    def regression_width(self, t: float) -> float:
        """w~(t) from a least-squares line through the recent widths."""
        ts, ws = np.asarray(self._t), np.asarray(self._w)
        if len(ts) < 2 or np.ptp(ts) == 0:
            return float(ws[-1])
        slope, intercept = np.polyfit(ts - ts[-1], ws, 1)
        return float(intercept + slope * (t - ts[-1]))

    def check(self, x_l: float, x_r: float, t: float, predicted: tuple[float, float] | None = None,
              agree_px: float | None = None) -> RepairResult:
        """`predicted`: each edge's motion prediction (px), to weight eq. 9 and (with `agree_px`) to keep edges within
        `agree_px` of theirs where they are; None: eq. 9 as in the paper."""
        width = x_r - x_l
        fence = float('inf')
        repaired = False
        if len(self._w) >= self.min_history:
            changes = np.diff(np.asarray(self._w))
            fence = max(iqr_fence(changes, self.iqr_k), self.min_fence)
            if abs(width - self._w[-1]) > fence:
                agree = (False, False) if predicted is None or agree_px is None else \
                    tuple(abs(x - p) <= agree_px for x, p in zip((x_l, x_r), predicted, strict=True))
                if all(agree):  # both edges moved as they were moving: a real width change
                    pass
                elif any(agree):  # the edge that agrees stays (weight -> infinity in eq. 9)
                    target = self.regression_width(t)
                    x_l, x_r = (x_l, x_l + target) if agree[0] else (x_r - target, x_r)
                    repaired = True
                else:
                    weights = (1.0, 1.0) if predicted is None else \
                        (plausibility(x_l, predicted[0]), plausibility(x_r, predicted[1]))
                    x_l, x_r = constrained_edges(x_l, x_r, self.regression_width(t), *weights)
                    repaired = True
        self._t.append(t)
        self._w.append(x_r - x_l)
        return RepairResult(x_l, x_r, repaired, fence)

    def replace_last(self, width: float) -> None:
        """Make the last width `width` (px): the tracker reported other edges than the repaired ones (a real width
        change that the coverage of the bars confirmed), and the regression must follow the sheet's width."""
        if self._w:
            self._w[-1] = width

    def forget_last(self) -> None:
        """Drop the last width (its edges were not reported)."""
        if self._w:
            self._t.pop()
            self._w.pop()

    def reset(self) -> None:
        self._t.clear()
        self._w.clear()
