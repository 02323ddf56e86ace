"""Static / moving edge-point separation over k frames (paper IV.D.2, Fig. 12).

S_u = S_(i-k) n ... n S_(i-1) (common background points), S_s = S_u n S_i (static), S_m = S_i - S_s (moving).
Edge maps are boolean images of one mROI; each carries its window's origin so that maps of windows that moved
are intersected where they overlap (a point outside an earlier window cannot be common to all of them).
"""

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Separation:
    s_i: np.ndarray                  # all edge points of this frame
    s_u: np.ndarray                  # common to the previous k frames
    s_s: np.ndarray                  # static: S_u n S_i
    s_m: np.ndarray                  # moving: S_i - S_s
    history: int                     # how many previous frames S_u was built from (k once warmed up)


def placed(mask: np.ndarray, origin: tuple[int, int], target_origin: tuple[int, int],
           shape: tuple[int, int]) -> np.ndarray:
    """`mask` (at `origin`) in the coordinates of a window of `shape` at `target_origin`; False outside it."""
    out = np.zeros(shape, bool)
    dy, dx = origin[0] - target_origin[0], origin[1] - target_origin[1]
    h, w = shape
    mh, mw = mask.shape
    y0, y1 = max(dy, 0), min(dy + mh, h)
    x0, x1 = max(dx, 0), min(dx + mw, w)
    if y0 < y1 and x0 < x1:
        out[y0:y1, x0:x1] = mask[y0 - dy:y1 - dy, x0 - dx:x1 - dx]
    return out


class EdgePointHistory:
    def __init__(self, k: int) -> None:
        if k < 1:
            raise ValueError('k must be at least 1')
        self.k = k
        self._frames: deque[tuple[tuple[int, int], np.ndarray]] = deque(maxlen=k)

    def separate(self, s_i: np.ndarray, origin: tuple[int, int]) -> Separation:
        """Separate this frame's points, then remember them for the next frames."""
        if self._frames:
            s_u = np.ones(s_i.shape, bool)
            for prev_origin, prev in self._frames:
                s_u &= placed(prev, prev_origin, origin, s_i.shape)
        else:
            s_u = np.zeros(s_i.shape, bool)
        s_s = s_u & s_i
        s_m = s_i & ~s_s
        history = len(self._frames)
        self._frames.append((origin, s_i))
        return Separation(s_i, s_u, s_s, s_m, history)

    def reset(self) -> None:
        self._frames.clear()
