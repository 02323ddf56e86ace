"""PID baseline (seed 002, section V.D): the same roll differential as MSNF, from a PID on the sheet position.

u = u_0 - (kp e + ki integral(e) + kd de/dt), e = x - x_s (mm), split over the rolls as eq. 11 does (least-squares,
so both controllers move the rolls the same way and differ only in the law). The derivative acts on the measurement
(no kick when the standard changes) through a first-order filter. Anti-windup by back-calculation: when the output
limits cut the command, the integrator is pulled back by (applied - wanted) / tracking time, so it stops growing
while the rolls are at their limit.
"""

from dataclasses import dataclass
import math

from fracturescope_control.msnf import minimum_change, roll_differential


@dataclass(frozen=True)
class PidParameters:
    kp: float                    # proportional gain (Hz of differential per mm)
    ki: float                    # integral gain (Hz per mm s)
    kd: float                    # derivative gain (Hz s per mm)
    derivative_filter_s: float   # time constant of the derivative's low-pass filter (s)
    tracking_s: float            # anti-windup back-calculation time constant (s)
    alpha: float                 # nominal ratio factors used to split u over the rolls (1)
    beta: float
    period_s: float              # control period (s)
    standard_range_mm: float     # error inside this band counts as zero (mm)


class PidController:
    name = 'pid'

    def __init__(self, params: PidParameters) -> None:
        if params.period_s <= 0 or params.tracking_s <= 0 or params.derivative_filter_s < 0:
            raise ValueError('period and tracking time must be positive, derivative filter not negative')
        self.params = params
        self.integral = 0.0              # Hz of differential
        self._derivative = 0.0           # filtered d(measured)/dt, mm/s
        self._last_measured = math.nan
        self._base = (math.nan, math.nan)
        self._wanted_u = math.nan

    def reset(self, f_left: float, f_right: float) -> None:
        self._base = (f_left, f_right)
        self.integral = 0.0
        self._derivative = 0.0
        self._last_measured = math.nan
        self._wanted_u = math.nan

    def update(self, measured_mm: float, standard_mm: float) -> tuple[float, float]:
        p = self.params
        error = measured_mm - standard_mm
        if abs(error) <= p.standard_range_mm:
            error = 0.0
        if math.isfinite(self._last_measured):
            raw = (measured_mm - self._last_measured) / p.period_s
            blend = p.period_s / (p.derivative_filter_s + p.period_s)
            self._derivative += blend * (raw - self._derivative)
        self._last_measured = measured_mm
        self.integral += p.ki * error * p.period_s
        correction = -(p.kp * error + self.integral + p.kd * self._derivative)
        self._wanted_u = correction
        d_left, d_right = minimum_change(correction, 1.0, p.alpha, p.beta)
        return self._base[0] + d_left, self._base[1] + d_right

    def applied(self, f_left: float, f_right: float) -> None:
        if not math.isfinite(self._wanted_u):
            return
        p = self.params
        base_u = roll_differential(*self._base, p.alpha, p.beta)
        applied_u = roll_differential(f_left, f_right, p.alpha, p.beta) - base_u
        # Back-calculation: the integral term (with sign: it enters u negated) follows what could be applied.
        self.integral -= (applied_u - self._wanted_u) * p.period_s / p.tracking_s
