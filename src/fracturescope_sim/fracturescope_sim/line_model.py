"""The production line seen from the spreader rolls: the sheet's lateral position as the rolls steer it (seed 002,
eq. 10), with the things a controller has to cope with: ratio factors it does not know that drift with conveyor
speed, actuator limits and slew, a transport delay, a lagging sheet, and disturbances of 1-3 cm/s (section I).

Plant, per simulation step dt (plain Python, seeded, no ROS):

    f_act   <- commanded frequencies clamped to [f_min, f_max], moved at most slew * dt     (the drive)
    u(t)     = alpha(v) * f_l,act(t - delay) - beta(v) * f_r,act(t - delay)                 (transport delay)
    p_eq(t)  = p_0 + (u(t) - u_0) / gamma(v)                                                 (eq. 10)
    p       <- p + (p_eq - p) * dt / lag                                                     (the sheet settles)
    centre   = p + d(t)                                                                      (disturbance)
    left, right = centre -/+ width / 2

Eq. 10 (alpha f_l - beta f_r = gamma (x - x_s)) read as the plant: at rest, the steered offset of the sheet is the
roll differential over gamma. The factors drift with the conveyor speed v(t): each is its nominal value times
(1 + sensitivity * (v - v_0) / v_0), with v(t) = v_0 (1 + speed_variation * sin(2 pi t / speed_period)). A mis-tuned
plant is the same line with gamma scaled (`gamma_scale`), which the controller is not told.

Disturbances, all seeded:
    gaussian    the sheet's own drift speed is Gaussian (Ornstein-Uhlenbeck, rms `disturbance_speed`, correlation
                `gaussian_correlation_s`), integrated into position with a slow leak so it stays bounded
    sinusoidal  d(t) = A sin(2 pi t / T) with peak speed `disturbance_speed` (A = speed * T / 2 pi)
    step        d jumps by a uniform 10..30 mm (scaled by `step_size`) every `step_period_s`, toward the far side
    none        d = 0
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
import math

import numpy as np

DISTURBANCES = ('gaussian', 'sinusoidal', 'step', 'none')


@dataclass(frozen=True)
class LineParameters:
    alpha: float                 # left roll ratio factor at nominal conveyor speed (1)
    beta: float                  # right roll ratio factor at nominal conveyor speed (1)
    gamma: float                 # position ratio factor at nominal conveyor speed (1/mm): Hz of differential per mm
    gamma_scale: float           # true gamma / nominal gamma: mis-tuned plants (1)
    factor_speed_sensitivity: tuple[float, float, float]  # d(factor)/factor per d(v)/v for alpha, beta, gamma (1)
    conveyor_speed: float        # nominal conveyor speed v_0 (m/s)
    speed_variation: float       # relative amplitude of the conveyor-speed variation (1)
    speed_period_s: float        # period of the conveyor-speed variation (s)
    f_nominal_hz: float          # both roll frequencies at which the sheet sits at p_0 (Hz)
    f_min_hz: float              # drive limits (Hz)
    f_max_hz: float
    slew_hz_per_s: float         # fastest drive frequency change (Hz/s)
    transport_delay_s: float     # roll change to sheet movement at the camera (s)
    lag_s: float                 # time constant of the sheet settling to its new position (s)
    width_mm: float              # sheet width (mm)
    start_centre_mm: float       # sheet centre at t = 0 (mm, image x axis)
    rest_centre_mm: float        # p_0: centre with both rolls at f_nominal and no disturbance (mm)
    disturbance: str             # one of DISTURBANCES
    disturbance_speed_mm_s: float  # 1-3 cm/s in the paper (mm/s)
    gaussian_correlation_s: float  # correlation time of the Gaussian drift speed (s)
    gaussian_leak_s: float       # the Gaussian drift decays back with this time constant, so it stays bounded (s)
    sine_period_s: float         # period of the sinusoidal disturbance (s)
    step_period_s: float         # time between steps (s)
    step_size: float             # scale of the 10..30 mm steps (1)
    seed: int


@dataclass(frozen=True)
class LineState:
    """Ground truth at one instant."""

    t: float                     # s since start
    left_mm: float
    right_mm: float
    centre_mm: float
    disturbance_mm: float
    f_left_hz: float             # drive frequencies actually running (after limits and slew)
    f_right_hz: float
    alpha: float                 # true ratio factors now
    beta: float
    gamma: float


class LineModel:
    """Advance with `step(dt)`; set the drive with `command(f_left, f_right)`; read ground truth with `state`."""

    def __init__(self, params: LineParameters) -> None:
        if params.disturbance not in DISTURBANCES:
            raise ValueError(f'disturbance {params.disturbance!r} not one of {DISTURBANCES}')
        if min(params.lag_s, params.slew_hz_per_s, params.gamma, params.width_mm) <= 0:
            raise ValueError('lag, slew, gamma and width must be positive')
        if not params.f_min_hz <= params.f_nominal_hz <= params.f_max_hz:
            raise ValueError('nominal frequency outside the drive limits')
        self.params = params
        self._rng = np.random.default_rng(params.seed)
        self._t = 0.0
        self._f_cmd = (params.f_nominal_hz, params.f_nominal_hz)
        self._f_act = self._f_cmd
        self._delayed: deque[tuple[float, float, float]] = deque()  # (time, f_left, f_right) not yet felt
        self._f_felt = self._f_act
        a, b, _ = self._factors(0.0)
        self._u0 = a * params.f_nominal_hz - b * params.f_nominal_hz
        self._p = params.start_centre_mm
        self._drift_speed = 0.0
        self._d = 0.0
        self._next_step = params.step_period_s

    @property
    def time_s(self) -> float:
        return self._t

    def command(self, f_left_hz: float, f_right_hz: float) -> None:
        """New drive setpoints (the PLC's output); non-finite values are ignored as a drive would."""
        if math.isfinite(f_left_hz) and math.isfinite(f_right_hz):
            self._f_cmd = (f_left_hz, f_right_hz)

    def step(self, dt: float) -> LineState:
        p = self.params
        self._t += dt
        self._f_act = tuple(_slew(act, min(max(cmd, p.f_min_hz), p.f_max_hz), p.slew_hz_per_s * dt)
                            for act, cmd in zip(self._f_act, self._f_cmd, strict=True))
        self._delayed.append((self._t + p.transport_delay_s, *self._f_act))
        while self._delayed and self._delayed[0][0] <= self._t + 1e-12:
            _, *felt = self._delayed.popleft()
            self._f_felt = tuple(felt)
        alpha, beta, gamma = self._factors(self._t)
        u = alpha * self._f_felt[0] - beta * self._f_felt[1]
        p_eq = p.rest_centre_mm + (u - self._u0) / gamma  # eq. 10
        self._p += (p_eq - self._p) * min(dt / p.lag_s, 1.0)
        self._d = self._disturbance(dt)
        return self.state

    @property
    def state(self) -> LineState:
        alpha, beta, gamma = self._factors(self._t)
        centre = self._p + self._d
        half = self.params.width_mm / 2
        return LineState(self._t, centre - half, centre + half, centre, self._d, *self._f_act, alpha, beta, gamma)

    def _factors(self, t: float) -> tuple[float, float, float]:
        p = self.params
        speed_change = p.speed_variation * math.sin(2 * math.pi * t / p.speed_period_s)
        sa, sb, sg = p.factor_speed_sensitivity
        return (p.alpha * (1 + sa * speed_change), p.beta * (1 + sb * speed_change),
                p.gamma * p.gamma_scale * (1 + sg * speed_change))

    def _disturbance(self, dt: float) -> float:
        p = self.params
        if p.disturbance == 'gaussian':
            # Exact OU update of the drift speed, then position with a leak back to 0.
            decay = math.exp(-dt / p.gaussian_correlation_s)
            self._drift_speed = (self._drift_speed * decay
                                 + p.disturbance_speed_mm_s * math.sqrt(1 - decay**2) * self._rng.standard_normal())
            return self._d + (self._drift_speed - self._d / p.gaussian_leak_s) * dt
        if p.disturbance == 'sinusoidal':
            amplitude = p.disturbance_speed_mm_s * p.sine_period_s / (2 * math.pi)
            return amplitude * math.sin(2 * math.pi * self._t / p.sine_period_s)
        if p.disturbance == 'step':
            if self._t >= self._next_step:
                self._next_step += p.step_period_s
                size = p.step_size * self._rng.uniform(10.0, 30.0)
                return self._d - size if self._d > 0 else self._d + size
            return self._d
        return 0.0


def mis_tuned(params: LineParameters, gamma_scale: float) -> LineParameters:
    """The same line whose true gamma is `gamma_scale` times the nominal one the controller assumes."""
    return replace(params, gamma_scale=gamma_scale)


def _slew(current: float, target: float, max_change: float) -> float:
    return current + min(max(target - current, -max_change), max_change)
