"""Multi-Stage Negative Feedback control of the spreader rolls (seed 002, section IV.E, eqs. 10-13, Algorithm 2).

The line is modelled by eq. 10, alpha f_l - beta f_r = gamma (x - x_s): a change of the roll differential
u = alpha f_l - beta f_r moves the sheet by delta_u / gamma. Each control slot (5 Hz) the controller

  step 2  updates gamma from what its own past changes did to the sheet (eq. 12),
  step 3  smooths the measured position over the last k + 1 slots with weights 1/2, 1/4, ... (newest first),
  check   holds the rolls while the smoothed position is inside the standard range,
  step 4  computes the smallest roll changes that move the sheet back to the standard (eq. 11),
  step 5  takes them as the expected change of rotation speed of this slot,
  step 6  spreads that change over the next k slots as 1/2, 1/4, ..., 1/2^k of it (eq. 13),
  step 7  applies, in this slot, the shares due now from the decisions of the last k slots.

Choices where the paper leaves room, each for a stated reason:
- Step 3: the weights 1/2 ... 1/2^(k+1) sum to 1 - 2^-(k+1), not 1; applied to positions measured from the image
  border (~300 mm) that would bias x-hat by ~300 * 2^-(k+1) mm. We divide by the sum: same shape, no bias.
- Eq. 11: the paper minimises |df_l| + |df_r| and calls it MMSE. With alpha = beta the absolute-value objective has
  every split between the rolls as an optimum; we use the least-squares (minimum-norm, "MMSE") solution, which is
  unique, is one of those optima when alpha = beta, and shares the work between both rolls.
- Step 4, the movement asked of eq. 11: the movement still needed to bring x-hat to x_s, i.e. x_s - x-hat minus the
  movement of changes already decided but not yet visible in x-hat (the window's scheduled shares, and applied
  changes still inside the camera delay or the step-3 smoothing). This is the "compensate the edge deviation
  appearing in the past k slots" of step 7: without it every slot would re-order the same correction and the loop
  would overshoot under delay. How much of an applied change the camera shows after `age` slots is a line response
  model, a dead time then a first-order lag (`response_share`; the line's transport delay, camera latency and sheet
  settling, configured from a step test), not a step at a whole slot.
- The same response model gives the disturbance: the measured position less the controller's own modelled movement.
  Its drift over the last `drift_window` slots (least-squares slope, `drift_per_slot`) is extrapolated
  `drift_lead_slots` ahead and taken off the movement asked of eq. 11. Without it the loop trails a drifting sheet by
  the drift over its delays (dead time, lag, smoothing, the eq. 13 spreading), which the paper's one-slot eq. 12 only
  hid by biasing gamma upward. The drift is limited to the disturbances' known speed (1-3 cm/s, section I): beyond it
  the estimate is a step or the controller's own movement misread on a line whose gamma differs from the assumed one.
- Eq. 12, gamma* = (alpha df_l - beta df_r) / dx, divides by one slot's movement, which the disturbance
  dominates; worse, in closed loop the rolls move against the disturbance, so dx under-reports their effect and
  gamma* settles several times above the truth. We keep eq. 12's quotient but apply it to exponentially weighted
  sums (`eq12_sums`): gamma* = sum w du^2 / sum w du dx, the least-squares fit of dx on du with forgetting (a
  recursive least squares; with one sample it is eq. 12 exactly). du is the change of the roll differential the
  camera shows in this slot (the applied changes through the response model, so the dead time and lag are
  respected), dx the measured change less the disturbance's drift predicted from the slots before (so the
  disturbance is removed from the quotient, not averaged into it), and a slot enters only when |du| shows enough
  excitation; a slot whose movement no gamma within the bounds explains, even with the fastest disturbance, is a
  step, left out. The
  prior is gamma_initial worth `gamma_prior_hz2` of excitation, so a few slots cannot swing gamma; gamma stays
  within configured bounds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
import math


@dataclass(frozen=True)
class MsnfParameters:
    alpha: float                 # nominal left roll ratio factor (1)
    beta: float                  # nominal right roll ratio factor (1)
    gamma_initial: float         # gamma before any update (Hz of differential per mm)
    gamma_min: float             # bounds of the gamma estimate (Hz/mm)
    gamma_max: float
    gamma_forgetting: float      # weight kept by past eq. 12 samples per excited slot (0..1]; 1: never forget (1)
    gamma_prior_hz2: float       # weight of gamma_initial as a prior, in squared Hz of excitation; inf: fixed (Hz^2)
    min_excitation_hz: float     # |change of the seen roll differential| in a slot needed to update gamma (Hz)
    window: int                  # k: slots of the smoothing and of the multi-stage window (slots)
    drift_window: int            # slots over which the disturbance's drift is fitted (slots, >= 2)
    standard_range_mm: float     # |x-hat - x_s| within which the rolls are held (mm)
    dead_time_slots: float       # line response: slots before a roll change shows at the camera at all (slots)
    lag_slots: float             # line response: first-order settling after the dead time (slots; 0: a step)
    drift_lead_slots: float      # how far ahead the disturbance's drift is extrapolated (slots; 0: off)
    max_drift_mm: float          # largest believable disturbance drift per slot (mm)


def attenuation_weights(k: int) -> list[float]:
    """Eq. 13: the share of an expected change applied in each of the next k slots: 1/2, 1/4, ..., 1/2^k."""
    return [2.0 ** -(j + 1) for j in range(k)]


def smoothed_position(history: Sequence[float]) -> float:
    """Algorithm 2 step 3: x-hat(t) = sum_{i=t-k}^{t} x(i) / 2^(t-i+1), over the weights' sum (history oldest
    first, newest last)."""
    weights = [2.0 ** -(age + 1) for age in range(len(history))]
    return sum(w * x for w, x in zip(weights, reversed(history), strict=True)) / sum(weights)


def minimum_change(movement_mm: float, gamma: float, alpha: float, beta: float) -> tuple[float, float]:
    """Eq. 11: the roll changes (df_l, df_r) of least squared size with alpha df_l - beta df_r = gamma * movement."""
    needed = gamma * movement_mm
    norm = alpha * alpha + beta * beta
    return alpha * needed / norm, -beta * needed / norm


def roll_differential(f_left: float, f_right: float, alpha: float, beta: float) -> float:
    """Left side of eq. 10: u = alpha f_l - beta f_r (Hz)."""
    return alpha * f_left - beta * f_right


def gamma_estimate(delta_u: float, movement_mm: float) -> float | None:
    """Eq. 12: gamma* = (alpha df_l - beta df_r) / dx-hat, with delta_u = alpha df_l - beta df_r; None when the
    sheet did not move."""
    if movement_mm == 0.0:
        return None
    return delta_u / movement_mm


def eq12_sums(sums: tuple[float, float], delta_u: float, movement_mm: float,
              forgetting: float) -> tuple[float, float]:
    """Eq. 12 in least squares with forgetting: the sums (sum w du^2, sum w du dx) after one more sample, the
    older ones weighted down by `forgetting`. gamma_estimate(*sums) is then the gamma that best explains the
    movements by the roll changes (one sample: du^2 / (du dx) = du / dx, eq. 12 itself)."""
    return (forgetting * sums[0] + delta_u * delta_u, forgetting * sums[1] + delta_u * movement_mm)


def response_share(age_slots: float, dead_time_slots: float, lag_slots: float) -> float:
    """Share of a roll change applied age_slots ago that the camera shows: nothing within the dead time (transport
    delay, camera latency), then a first-order approach with lag_slots (the sheet settling); a step when lag is 0."""
    if age_slots <= dead_time_slots:
        return 0.0
    if lag_slots <= 0.0:
        return 1.0
    return 1.0 - math.exp(-(age_slots - dead_time_slots) / lag_slots)


def drift_per_slot(disturbance_mm: Sequence[float]) -> float:
    """Least-squares slope (mm per slot) of equally spaced disturbance estimates, oldest first; 0 for fewer than 2."""
    n = len(disturbance_mm)
    if n < 2:
        return 0.0
    mean_i = (n - 1) / 2
    mean_d = sum(disturbance_mm) / n
    return (sum((i - mean_i) * (d - mean_d) for i, d in enumerate(disturbance_mm))
            / sum((i - mean_i) ** 2 for i in range(n)))


class MultiStageWindow:
    """Steps 6-7: decisions spread over the next k slots with attenuating shares; `advance` pops this slot's sum."""

    def __init__(self, k: int) -> None:
        self._weights = attenuation_weights(k)
        self._due: deque[list[float]] = deque([0.0, 0.0] for _ in range(k))  # slot t, t+1, ..., t+k-1

    def schedule(self, delta_f_left: float, delta_f_right: float) -> None:
        """Step 6: slot t+j receives delta / 2^(j+1)."""
        for slot, weight in zip(self._due, self._weights, strict=True):
            slot[0] += delta_f_left * weight
            slot[1] += delta_f_right * weight

    def advance(self) -> tuple[float, float]:
        """Step 7: the sum of the shares due in this slot (from the decisions of the last k slots); then move on."""
        due = self._due.popleft()
        self._due.append([0.0, 0.0])
        return due[0], due[1]

    def pending(self) -> tuple[float, float]:
        """Scheduled changes not yet applied."""
        return sum(s[0] for s in self._due), sum(s[1] for s in self._due)

    def clear(self) -> None:
        for slot in self._due:
            slot[0] = slot[1] = 0.0


class MsnfController:
    """Algorithm 2, one `update` per control slot. Implements the Controller protocol."""

    name = 'msnf'

    def __init__(self, params: MsnfParameters) -> None:
        if params.window < 1 or params.drift_window < 2 or min(params.dead_time_slots, params.lag_slots,
                                                                params.max_drift_mm) < 0:
            raise ValueError('window must be >= 1 slot, drift_window >= 2; dead_time_slots, lag_slots, max_drift >= 0')
        if not 0 < params.gamma_min <= params.gamma_initial <= params.gamma_max:
            raise ValueError('gamma_initial must lie within [gamma_min, gamma_max], all positive')
        if not 0 < params.gamma_forgetting <= 1 or params.gamma_prior_hz2 <= 0:
            raise ValueError('gamma_forgetting must lie in (0, 1] and gamma_prior_hz2 be positive')
        self.params = params
        self.gamma = params.gamma_initial
        # Eq. 12 sums: the prior is gamma_initial seen over gamma_prior_hz2 of excitation. Kept across resets.
        self._sums = (params.gamma_prior_hz2, params.gamma_prior_hz2 / params.gamma_initial)
        self.gamma_updates = 0                                       # slots that entered eq. 12
        self._window = MultiStageWindow(params.window)
        k = params.window
        self._positions: deque[float] = deque(maxlen=k + 1)          # x(t-k) ... x(t)
        self._measured: deque[float] = deque(maxlen=params.drift_window)  # x, oldest first
        self._seen_u: deque[float] = deque(maxlen=params.drift_window)    # u the camera showed with each x
        self._output = (math.nan, math.nan)
        self._changes: deque[float] = deque(maxlen=k + 2 + math.ceil(params.dead_time_slots)
                                            + math.ceil(6 * params.lag_slots))  # du, newest last
        self._settled_u = 0.0                                        # sum of changes older than _changes holds
        self._u_applied = 0.0

    def reset(self, f_left: float, f_right: float) -> None:
        """Start from this output with no history (start, or back from hold / manual / e-stop); gamma is kept."""
        self._output = (f_left, f_right)
        self._window.clear()
        self._positions.clear()
        self._measured.clear()
        self._seen_u.clear()
        self._changes.clear()
        self._settled_u = 0.0
        self._u_applied = self._u(f_left, f_right)

    def update(self, measured_mm: float, standard_mm: float) -> tuple[float, float]:
        p = self.params
        self._positions.append(measured_mm)
        x_hat = smoothed_position(self._positions)                  # step 3
        seen_u = self._seen_u_now()
        self._update_gamma(measured_mm, seen_u)                     # step 2
        self._measured.append(measured_mm)
        self._seen_u.append(seen_u)
        if abs(x_hat - standard_mm) > p.standard_range_mm:          # outside the standard range: rectify
            drift = self._drift() * p.drift_lead_slots
            movement = (standard_mm - x_hat) - self._movement_in_flight() - drift
            self._window.schedule(*minimum_change(movement, self.gamma, p.alpha, p.beta))  # steps 4-6, eq. 11, 13
        due_left, due_right = self._window.advance()                # step 7
        return self._output[0] + due_left, self._output[1] + due_right

    def applied(self, f_left: float, f_right: float) -> None:
        """The output the limits let through: f(t-1) of the next slot."""
        u = self._u(f_left, f_right)
        if len(self._changes) == self._changes.maxlen:
            self._settled_u += self._changes[0]
        self._changes.append(u - self._u_applied)
        self._output = (f_left, f_right)
        self._u_applied = u

    def _u(self, f_left: float, f_right: float) -> float:
        return roll_differential(f_left, f_right, self.params.alpha, self.params.beta)

    def _movement_in_flight(self) -> float:
        """Movement of x-hat (mm) still to come from changes decided already: the window's scheduled shares, and
        each applied change weighted by the share of it x-hat cannot show yet. Of a change applied a slots ago,
        x(t-j) shows response_share(a - j), and x-hat sees x(t-j) through the step-3 weights."""
        p = self.params
        weights = [2.0 ** -(j + 1) for j in range(len(self._positions))]
        total = sum(weights)
        pending = self._u(*self._window.pending())
        for age, du in enumerate(reversed(self._changes), start=1):
            visible = sum(w * response_share(age - j, p.dead_time_slots, p.lag_slots)
                          for j, w in enumerate(weights)) / total
            pending += du * (1.0 - visible)
        return pending / self.gamma

    def _seen_u_now(self) -> float:
        """Roll differential change since reset (Hz) that the camera shows now, through the line response model."""
        p = self.params
        return self._settled_u + sum(du * response_share(age, p.dead_time_slots, p.lag_slots)
                                     for age, du in enumerate(reversed(self._changes), start=1))

    def _drift(self) -> float:
        """Drift of the disturbance (mm per slot) over the stored slots: the measured position less the controller's
        own movement, limited to the disturbances' known speed (faster is a step or a misreading)."""
        disturbance = [x - u / self.gamma for x, u in zip(self._measured, self._seen_u, strict=True)]
        return min(max(drift_per_slot(disturbance), -self.params.max_drift_mm), self.params.max_drift_mm)

    def _update_gamma(self, measured_mm: float, seen_u: float) -> None:
        """Eq. 12 by least squares (eq12_sums): this slot's change of the seen roll differential against the measured
        movement less the disturbance's drift predicted from the slots before."""
        p = self.params
        if len(self._measured) < 2:
            return
        delta_u = seen_u - self._seen_u[-1]
        if abs(delta_u) < p.min_excitation_hz:
            return  # the rolls barely moved: the movement is the disturbance's, not ours
        movement = measured_mm - self._measured[-1] - self._drift()
        low, high = sorted((delta_u / p.gamma_max, delta_u / p.gamma_min))
        if not low - p.max_drift_mm <= movement <= high + p.max_drift_mm:
            return  # no gamma within bounds explains it, even with the fastest disturbance: a step
        self._sums = eq12_sums(self._sums, delta_u, movement, p.gamma_forgetting)
        estimate = gamma_estimate(*self._sums)
        if estimate is None or estimate <= 0:
            return  # on balance the sheet moved against the rolls: disturbances outweighed them
        self.gamma = min(max(estimate, p.gamma_min), p.gamma_max)
        self.gamma_updates += 1
