"""Availability detection (paper IV.A, eq. 1): is a sheet in production in front of the bars?

The entropy of the difference between the current frame and an empty frame, over a detection area across both
bars in the centre of the view: near 0 while the view is empty (noise stays inside one 16-level bin), high once a
sheet covers bars and furnace (the difference then takes several distinct levels). Every `update_period_s` a frame
whose entropy is below H_update replaces the empty frame, so slow light changes do not accumulate.

The empty frame is not assumed: a tracker restarted mid-production sees a sheet in its first frame. Until an empty
frame is known, the reference bars decide: with no sheet both bars are visible along their whole length (the white
bar brighter than the black one in every column); a sheet in front covers both with its own colour over its width,
so there the two bars look alike. Only a frame whose bars are clear is taken as the empty frame.
"""

from collections.abc import Callable
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
    bar_min_contrast: float = 30.0   # white minus black bar grey level under which a column is covered, grey levels
    bar_max_covered: float = 0.05    # covered fraction of the bar columns above which a sheet is in view, 1


def covered_fraction(white_band: np.ndarray, black_band: np.ndarray, min_contrast: float) -> float:
    """Fraction of columns where the white bar is not at least `min_contrast` brighter than the black bar.

    `white_band`, `black_band`: grey uint8 rows of each bar over the same columns (ideal view). Whatever its colour,
    a sheet covers both bars alike, so its columns lose the bars' contrast; glare or dirt only lowers it.
    """
    if white_band.shape[1] != black_band.shape[1] or white_band.size == 0 or black_band.size == 0:
        raise ValueError(f'bar bands {white_band.shape} and {black_band.shape} must span the same columns')
    contrast = white_band.mean(axis=0, dtype=np.float32) - black_band.mean(axis=0, dtype=np.float32)
    return float(np.mean(contrast < min_contrast))


@dataclass(frozen=True)
class Availability:
    material: bool
    entropy: float                   # nats; NaN before an empty frame is known
    empty_updated: bool
    bars_covered: float = float('nan')  # covered fraction of the bars; measured only before an empty frame is known


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

    def check(self, frame: np.ndarray, t: float, bars_covered: Callable[[], float]) -> Availability:
        """Entropy of the current frame against the empty one (eq. 1). Without an empty frame yet, `bars_covered()`
        (the covered fraction of the bars in this frame, see covered_fraction) decides: bars clear -> this frame
        becomes the empty frame; bars covered -> a sheet is in view and no empty frame is learnt."""
        if self._empty is None:
            covered = bars_covered()
            if covered > self.config.bar_max_covered:
                return Availability(True, float('nan'), False, covered)
            self.set_empty(frame, t)
            return Availability(False, float('nan'), True, covered)
        entropy = difference_entropy(self.area(frame), self._empty)
        updated = False
        if entropy < self.config.h_update and t - self._last_update_t >= self.config.update_period_s:
            self.set_empty(frame, t)
            updated = True
        return Availability(entropy > self.config.h_material, entropy, updated)
