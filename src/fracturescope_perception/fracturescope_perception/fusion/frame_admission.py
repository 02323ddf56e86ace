"""What the defect detector refuses at the door, before a frame is decoded or queued for its partner.

A frame larger than any camera of the robot (60-100 MB images were taken in and their memory kept while they waited
in the pairing queue), stamped too far before or after the node's clock (one frame stamped 2038 used to stop pairing
for good), or a thermal frame with temperatures no sensor of the robot can report (-1272 degC, 3e38 degC) is refused
with its reason; nothing of it is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from fracturescope_common.stamps import stamp_problem
import numpy as np

from fracturescope_perception.fusion.frame_tiles import PairError

FRAME_REFUSALS = ('too_large', 'stamp_too_old', 'stamp_in_future')


@dataclass(frozen=True)
class FrameLimits:
    max_width_px: int
    max_height_px: int
    max_bytes: int
    max_age_s: float          # older than this by the node's clock: refused
    max_future_s: float       # ahead of the node's clock by more than this: refused

    def __post_init__(self) -> None:
        if min(self.max_width_px, self.max_height_px, self.max_bytes) <= 0 or self.max_age_s <= 0 or \
                self.max_future_s < 0:
            raise ValueError(f'frame limits must be positive: {self}')


def frame_refusal(limits: FrameLimits, width: int, height: int, data_bytes: int, stamp_ns: int,
                  now_ns: int) -> tuple[str, str] | None:
    """(reason, detail) when the frame is refused, else None. Only the header and the data length are read."""
    if width > limits.max_width_px or height > limits.max_height_px or data_bytes > limits.max_bytes:
        return 'too_large', (f'{width} x {height} px, {data_bytes} B: larger than {limits.max_width_px} x '
                             f'{limits.max_height_px} px, {limits.max_bytes} B')
    return stamp_problem(stamp_ns, now_ns, limits.max_age_s, limits.max_future_s)


def check_temperatures(thermal_c: np.ndarray, valid_c: tuple[float, float]) -> None:
    """Raise PairError when a finite temperature lies outside what the thermal camera can report (NaN is left to
    the pair check, which names it)."""
    finite = thermal_c[np.isfinite(thermal_c)]
    if finite.size and (finite.min() < valid_c[0] or finite.max() > valid_c[1]):
        raise PairError('temperature_out_of_range', f'temperatures {finite.min():.4g} .. {finite.max():.4g} degC '
                        f'outside the sensor range {valid_c[0]:g} .. {valid_c[1]:g} degC')
