"""What stands between a controller and the rolls: limits, slew, the standard range, and when not to trust a
measurement. Plain functions; the control loop applies them in this order: validate -> controller -> limit."""

from dataclasses import dataclass
from enum import StrEnum
import math


class HoldReason(StrEnum):
    """Why the loop holds the rolls; each is a /diagnostics counter hold_<reason>."""

    STOP = 'stop'          # the operator said so
    STALE = 'stale'        # no measurement, or an old one
    INVALID = 'invalid'    # a measurement no controller should act on
    REFUSED = 'refused'    # the newest measurements were refused (measurement_guard.py), the last admitted is old
    UNCONFIRMED = 'unconfirmed'   # at the steering bound: the measurements do not show the line following the rolls
    LOST = 'lost'          # no usable measurement for longer than the lost timeout: moving to the lost-edge output


@dataclass(frozen=True)
class OutputLimits:
    f_min_hz: float              # lowest roll frequency ever written (Hz)
    f_max_hz: float              # highest roll frequency ever written (Hz)
    slew_hz_per_s: float         # largest change of a setpoint per second outside an e-stop (Hz/s)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.f_min_hz) and math.isfinite(self.f_max_hz) and self.f_min_hz < self.f_max_hz):
            raise ValueError(f'frequency limits [{self.f_min_hz}, {self.f_max_hz}] Hz are not a range')
        if not self.slew_hz_per_s > 0:
            raise ValueError('slew limit must be positive')

    def contains(self, f_hz: float) -> bool:
        """Finite and within [f_min, f_max]: the only values that may be written."""
        return math.isfinite(f_hz) and self.f_min_hz <= f_hz <= self.f_max_hz


def clamp(f_hz: float, limits: OutputLimits) -> float:
    return min(max(f_hz, limits.f_min_hz), limits.f_max_hz)


def slew(previous_hz: float, wanted_hz: float, max_step_hz: float) -> float:
    """Move from `previous_hz` toward `wanted_hz` by at most `max_step_hz`."""
    return previous_hz + min(max(wanted_hz - previous_hz, -max_step_hz), max_step_hz)


def limit_output(previous: tuple[float, float], wanted: tuple[float, float], limits: OutputLimits,
                 dt_s: float) -> tuple[float, float]:
    """Clamp then slew each roll; a non-finite wish keeps that roll where it was. Always within limits when
    `previous` is."""
    step = limits.slew_hz_per_s * dt_s
    return tuple(  # type: ignore[return-value]
        clamp(slew(prev, clamp(want, limits), step), limits) if math.isfinite(want) else clamp(prev, limits)
        for prev, want in zip(previous, wanted, strict=True)
    )


def in_standard_range(error_mm: float, standard_range_mm: float) -> bool:
    """The deadband: inside the standard range nothing needs rectifying (seed 002, IV.E)."""
    return abs(error_mm) <= standard_range_mm


def measurement_problem(left_mm: float, right_mm: float, usable_status: bool, age_s: float,
                        stale_after_s: float) -> HoldReason | None:
    """Why a measurement must not drive the rolls (INVALID, STALE), or None when it may."""
    if not (usable_status and math.isfinite(left_mm) and math.isfinite(right_mm) and left_mm < right_mm):
        return HoldReason.INVALID
    if not (math.isfinite(age_s) and age_s <= stale_after_s):
        return HoldReason.STALE
    return None
