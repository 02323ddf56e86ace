"""The control loop of the spreader rolls: modes, operator commands, measurement checks, controller, limits.

One `tick` per control period gives the setpoints to write. Plain Python (no ROS, no Modbus): the control node and
the closed-loop benchmark run the same loop.

Measurements pass the guard first (measurement_guard.py: one source, stamps, physics); the controller's wish is then
bounded by how far the line has confirmed it may steer (steering_bound.py), then clamped and slewed.

Modes (RollCommand.mode): AUTO the controller drives; HOLD the last output is kept (operator stop, or no usable
measurement); ESTOP the configured safe output, at once, without slew, until an operator resumes; MANUAL the
operator's frequencies, clamped and slewed. HOLD with reason `unconfirmed` is the controller held at the steering
bound: it keeps running, and steers again once the measurements confirm the line followed. Leaving HOLD / MANUAL /
ESTOP for AUTO restarts the controller from the output then running (bumpless). Without a usable measurement
(lost edge, stale, refused) the output is held; after `lost_timeout_s` of that it moves, slewed, to the configured
lost-edge output (HOLD, reason `lost`), which no steering of the sheet depends on, until measurements return.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
import math

from fracturescope_control.controller import Controller
from fracturescope_control.measurement_guard import EdgeSample, MeasurementGuard, PlausibilityLimits, Refusal
from fracturescope_control.output_limits import HoldReason, OutputLimits, clamp, limit_output, measurement_problem
from fracturescope_control.steering_bound import SteeringBound, SteeringBoundConfig


class Mode(IntEnum):
    """Same values as RollCommand.MODE_*."""

    AUTO = 0
    HOLD = 1
    ESTOP = 2
    MANUAL = 3


@dataclass(frozen=True)
class LoopConfig:
    limits: OutputLimits
    period_s: float              # control period (s)
    stale_after_s: float         # a measurement older than this does not drive the rolls (s)
    safe_output_hz: tuple[float, float]   # e-stop output (Hz), within limits
    start_output_hz: tuple[float, float]  # output before the first tick (Hz), within limits
    standard_mm: tuple[float, float]      # standard left and right edge positions (mm)
    plausibility: PlausibilityLimits | None = None   # None: every measurement admitted (unit tests of the modes)
    steering: SteeringBoundConfig | None = None      # None: no steering bound (unit tests of the controllers)
    lost_timeout_s: float = math.inf      # held without a usable measurement this long: go to lost_output_hz (s)
    lost_output_hz: tuple[float, float] | None = None  # output then (Hz), within limits; None: the start output


@dataclass(frozen=True)
class Output:
    mode: Mode
    f_left_hz: float
    f_right_hz: float
    error_left_mm: float         # NaN without a usable measurement
    error_right_mm: float
    hold_reason: HoldReason | None  # in HOLD


@dataclass(frozen=True)
class Measurement:
    left_mm: float
    right_mm: float
    usable: bool                 # status OK or REPAIRED
    received_s: float            # receiver clock (s)
    stamp_s: float | None = None  # when the camera saw it, on the receiver clock (s); None: at arrival
    source: str = ''             # the publisher (DDS GID)

    @property
    def seen_s(self) -> float:
        """When the camera saw it, on the receiver clock (s)."""
        return self.received_s if self.stamp_s is None else self.stamp_s

    def sample(self) -> EdgeSample:
        return EdgeSample(self.left_mm, self.right_mm, self.seen_s, self.received_s, self.source)


class ControlLoop:
    def __init__(self, controller: Controller, config: LoopConfig) -> None:
        for name, pair in (('safe', config.safe_output_hz), ('start', config.start_output_hz),
                           ('lost-edge', config.lost_output_hz or config.start_output_hz)):
            if not all(config.limits.contains(f) for f in pair):
                raise ValueError(f'{name} output {pair} Hz outside the limits')
        self.controller = controller
        self.config = config
        self.standard = config.standard_mm
        self.output = config.start_output_hz
        self.operator_mode = Mode.AUTO          # what the operator asked for (AUTO, HOLD=stop, ESTOP, MANUAL)
        self.manual_output = config.start_output_hz  # operator frequencies, clamped
        self._measurement: Measurement | None = None
        self._refused_since_admitted = False
        self._controller_running = False       # reset before the next AUTO update
        self._unusable_since: float | None = None  # first tick without a usable measurement (s)
        self._last_tick_s: float | None = None
        self.guard = MeasurementGuard(config.plausibility) if config.plausibility else None
        self.steering = SteeringBound(config.steering, self.output) if config.steering else None
        controller.reset(*self.output)

    def measure(self, measurement: Measurement) -> Refusal | None:
        """Take a measurement for the next tick, unless the guard refuses it (then: why)."""
        drives = self._drives(measurement)
        if self.guard is not None:
            source = self.guard.source
            refusal = self.guard.admit(measurement.sample(), drives)
            if self.steering is not None and self.guard.source != source:
                self.steering.new_source()
            if refusal is not None:
                self._refused_since_admitted = True
                return refusal
        self._measurement, self._refused_since_admitted = measurement, False
        if self.steering is not None and drives:
            centre = (measurement.left_mm + measurement.right_mm) / 2
            self.steering.observed(measurement.seen_s, centre - sum(self.standard) / 2)
        return None

    def tick(self, now_s: float) -> Output:
        """The setpoints for this period."""
        slew_s = self._slew_time(now_s)
        if self.operator_mode == Mode.ESTOP:
            return self._emit(Mode.ESTOP, None, now_s)
        if self.operator_mode == Mode.HOLD:
            self._controller_running = False
            return self._emit(Mode.HOLD, HoldReason.STOP, now_s)
        if self.operator_mode == Mode.MANUAL:
            self._controller_running = False
            self.output = limit_output(self.output, self.manual_output, self.config.limits, slew_s)
            return self._emit(Mode.MANUAL, None, now_s)
        problem = self._problem(now_s)
        if problem is not None:
            self._controller_running = False
            if self._unusable_since is None:
                self._unusable_since = now_s
            if now_s - self._unusable_since >= self.config.lost_timeout_s:
                lost = self.config.lost_output_hz or self.config.start_output_hz
                self.output = limit_output(self.output, lost, self.config.limits, slew_s)
                return self._emit(Mode.HOLD, HoldReason.LOST, now_s)
            return self._emit(Mode.HOLD, problem, now_s)
        self._unusable_since = None
        if not self._controller_running:
            self.controller.reset(*self.output)
            self._controller_running = True
        m = self._measurement
        centre = (m.left_mm + m.right_mm) / 2
        wanted = self.controller.update(centre, sum(self.standard) / 2)
        bounded = False
        if self.steering is not None:
            wanted, bounded = self.steering.limit(wanted)
        self.output = limit_output(self.output, wanted, self.config.limits, slew_s)
        self.controller.applied(*self.output)
        if bounded:
            return self._emit(Mode.HOLD, HoldReason.UNCONFIRMED, now_s)
        return self._emit(Mode.AUTO, None, now_s)

    # Operator commands, already authenticated by the caller.
    def stop(self) -> None:
        if self.operator_mode != Mode.ESTOP:   # only resume leaves an e-stop
            self.operator_mode = Mode.HOLD

    def resume(self) -> None:
        self.operator_mode = Mode.AUTO
        self._controller_running = False

    def estop(self, now_s: float) -> Output:
        """Safe output now; the caller writes it at once rather than at the next tick."""
        self.operator_mode = Mode.ESTOP
        self._controller_running = False
        return self._emit(Mode.ESTOP, None, now_s)

    def manual(self, f_left_hz: float, f_right_hz: float) -> bool:
        """Operator frequencies, clamped to the limits; refused (False) when not finite or during an e-stop."""
        if self.operator_mode == Mode.ESTOP or not (math.isfinite(f_left_hz) and math.isfinite(f_right_hz)):
            return False
        self.manual_output = (clamp(f_left_hz, self.config.limits), clamp(f_right_hz, self.config.limits))
        self.operator_mode = Mode.MANUAL
        return True

    def set_standard(self, left_mm: float, right_mm: float) -> bool:
        if not (math.isfinite(left_mm) and math.isfinite(right_mm) and left_mm < right_mm):
            return False
        self.standard = (left_mm, right_mm)
        return True

    def _slew_time(self, now_s: float) -> float:
        """Seconds the rolls may slew over in this tick: since the last tick, at most one period (ticks come early
        or late around the period: slot_pacer.py; a stall does not save slew up)."""
        last, self._last_tick_s = self._last_tick_s, now_s
        if last is None:
            return self.config.period_s
        return min(max(now_s - last, 0.0), self.config.period_s)

    @staticmethod
    def _drives(m: Measurement) -> bool:
        """Whether `m` is a measurement a controller could act on at all (not no-material / lost / NaN)."""
        return measurement_problem(m.left_mm, m.right_mm, m.usable, 0.0, math.inf) is None

    def _problem(self, now_s: float) -> HoldReason | None:
        m = self._measurement
        if m is None:
            return HoldReason.REFUSED if self._refused_since_admitted else HoldReason.STALE
        problem = measurement_problem(m.left_mm, m.right_mm, m.usable, now_s - m.seen_s,
                                      self.config.stale_after_s)   # age by the stamp: when the camera saw it
        if problem == HoldReason.STALE and self._refused_since_admitted:
            return HoldReason.REFUSED
        return problem

    def _emit(self, mode: Mode, reason: HoldReason | None, now_s: float) -> Output:
        if mode == Mode.ESTOP:
            self.output = self.config.safe_output_hz
        if self.steering is not None:
            self.steering.commanded(now_s, self.output)
        m = self._measurement
        usable = m is not None and self._problem(now_s) is None
        errors = (m.left_mm - self.standard[0], m.right_mm - self.standard[1]) if usable else (math.nan, math.nan)
        return Output(mode, *self.output, *errors, reason)
