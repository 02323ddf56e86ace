"""How much an installation's heat changed over the last few minutes.

One frame cannot always tell heating up (warm) from steady running (hot): a cabinet whose breakers carry a light
load at full temperature looks like one under heavy load halfway there. The change of each heating pattern over a
window about as long as the equipment's heating time tells them apart: near zero when steady, large while heating
or cooling.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

OLDEST = 1.5    # a past sample counts if its age is within [YOUNGEST, OLDEST] x window
YOUNGEST = 0.5
SPACING = 0.01  # samples kept at most this many windows apart: bounded memory at any frame rate


class HeatHistory:
    """Heat coefficients of one camera's frames in time order."""

    def __init__(self, window_s: float) -> None:
        if not window_s > 0.0:
            raise ValueError(f'window_s must be positive, not {window_s}')
        self.window_s = window_s
        self._times: list[float] = []
        self._heat: list[np.ndarray] = []

    def change(self, stamp_s: float, heat: np.ndarray) -> np.ndarray | None:
        """`heat` minus the heat of the sample nearest to `window_s` before `stamp_s`, per window (scaled by
        window / that sample's age), or None when no sample lies within half a window of that time; then `heat` is
        remembered, unless the last sample is younger than SPACING windows or newer (a frame out of order). A stamp
        more than a window earlier than the last (a bag played again) starts a new history."""
        if not np.isfinite(stamp_s):
            return None
        if self._times and stamp_s < self._times[-1] - self.window_s:
            self._times, self._heat = [], []
        stale = bisect_left(self._times, stamp_s - OLDEST * self.window_s)
        if stale > len(self._times) // 2:      # drop old samples now and then, not on every frame
            del self._times[:stale], self._heat[:stale]
        heat = np.asarray(heat, np.float64)
        past = self._nearest(stamp_s - self.window_s)
        if not self._times or stamp_s - self._times[-1] >= SPACING * self.window_s:
            self._times.append(stamp_s)
            self._heat.append(heat)
        if past is None:
            return None
        return (heat - self._heat[past]) * (self.window_s / (stamp_s - self._times[past]))

    def _nearest(self, target_s: float) -> int | None:
        at = bisect_left(self._times, target_s)
        candidates = [i for i in (at - 1, at) if 0 <= i < len(self._times)]
        if not candidates:
            return None
        best = min(candidates, key=lambda i: abs(self._times[i] - target_s))
        age = (target_s + self.window_s) - self._times[best]
        return best if YOUNGEST * self.window_s <= age <= OLDEST * self.window_s else None


def changes_over(times_s: np.ndarray, heat: np.ndarray, window_s: float) -> np.ndarray:
    """Per frame of a recording (in time order), its heat change over `window_s`; NaN rows where there is none."""
    history = HeatHistory(window_s)
    changes = np.full(np.shape(heat), np.nan)
    for i, (stamp, h) in enumerate(zip(times_s, heat, strict=True)):
        change = history.change(float(stamp), h)
        if change is not None:
            changes[i] = change
    return changes
