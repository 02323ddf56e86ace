"""Availability detection (paper IV.A, eq. 1): is a sheet in production in front of the bars?

The entropy of the difference between the current frame and an empty frame, over a detection area across both
bars in the centre of the view: near 0 while the view is empty (noise stays inside one 16-level bin), high once a
sheet covers bars and furnace (the difference then takes several distinct levels). Every `update_period_s` a frame
whose entropy is below H_update replaces the empty frame, so slow light changes do not accumulate.
"""

from dataclasses import dataclass

import numpy as np

from fracturescope_perception.edge_eye.entropy import difference_entropy, grey


@dataclass(frozen=True)
class AvailabilityConfig:
    rows: tuple[int, int]            # detection area in the captured frame, [top, bottom) px
    cols: tuple[int, int]            # [left, right) px
    h_update: float                  # entropy below which the empty frame may be refreshed, nats
    h_material: float                # entropy above which a sheet is in production, nats
    update_period_s: float           # how often the empty frame may be refreshed, s


@dataclass(frozen=True)
class Availability:
    material: bool
    entropy: float                   # nats; NaN before an empty frame is known
    empty_updated: bool


class AvailabilityDetector:
    def __init__(self, config: AvailabilityConfig, empty_frame: np.ndarray | None = None) -> None:
        if not config.h_update <= config.h_material:
            raise ValueError('H_update must not exceed H_material')
        self.config = config
        self._empty: np.ndarray | None = None
        self._last_update_t = -np.inf
        if empty_frame is not None:
            self.set_empty(empty_frame, 0.0)

    @property
    def has_empty_frame(self) -> bool:
        return self._empty is not None

    def area(self, frame: np.ndarray) -> np.ndarray:
        (r0, r1), (c0, c1) = self.config.rows, self.config.cols
        return grey(np.ascontiguousarray(frame[r0:r1, c0:c1]))

    def set_empty(self, frame: np.ndarray, t: float) -> None:
        self._empty = self.area(frame).copy()
        self._last_update_t = t

    def check(self, frame: np.ndarray, t: float) -> Availability:
        """Entropy of the current frame against the empty one; without an empty frame yet, this frame becomes it
        (the tracker is started with the line empty, or given a saved empty frame)."""
        if self._empty is None:
            self.set_empty(frame, t)
            return Availability(False, float('nan'), True)
        entropy = difference_entropy(self.area(frame), self._empty)
        updated = False
        if entropy < self.config.h_update and t - self._last_update_t >= self.config.update_period_s:
            self.set_empty(frame, t)
            updated = True
        return Availability(entropy > self.config.h_material, entropy, updated)
