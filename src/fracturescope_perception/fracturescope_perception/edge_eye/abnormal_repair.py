"""Abnormal-result detection and repair (paper IV.D.4, Fig. 14, eq. 9).

The sheet's width changes slowly, so a width change outside the IQR fence of recent width changes marks the
result abnormal. It is then replaced by the closest pair of edges whose width is the regression width w~(t),
a straight line fitted to the previous n accepted widths:
  argmin (x~_l - x_l)^2 + (x~_r - x_r)^2  s.t.  x~_r - x~_l = w~   (eq. 9)
whose solution moves both edges by half the width error.
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


def constrained_edges(x_l: float, x_r: float, width: float) -> tuple[float, float]:
    """Closed-form solution of eq. 9: the pair nearest (x_l, x_r) with x~_r - x~_l = width."""
    shift = (width - (x_r - x_l)) / 2.0  # eq. 9
    return x_l - shift, x_r + shift


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

    def check(self, x_l: float, x_r: float, t: float) -> RepairResult:
        width = x_r - x_l
        fence = float('inf')
        repaired = False
        if len(self._w) >= self.min_history:
            changes = np.diff(np.asarray(self._w))
            fence = max(iqr_fence(changes, self.iqr_k), self.min_fence)
            if abs(width - self._w[-1]) > fence:
                x_l, x_r = constrained_edges(x_l, x_r, self.regression_width(t))
                repaired = True
        self._t.append(t)
        self._w.append(x_r - x_l)
        return RepairResult(x_l, x_r, repaired, fence)

    def reset(self) -> None:
        self._t.clear()
        self._w.clear()
