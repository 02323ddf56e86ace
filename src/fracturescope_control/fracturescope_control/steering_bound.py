"""How far the control loop may move the sheet on measurements it has no reason to trust yet: a bound on the roll
differential around an operating point the line has confirmed. Plain Python.

Eq. 10 read as the plant: at rest the sheet's steered offset is the roll differential u = alpha f_l - beta f_r over
gamma, so a differential change of du moves the sheet du / gamma mm. A spoofed measurement stream that keeps reporting
a deviation would steer the rolls to their limits (50 / 0 Hz moved the simulated sheet 1,039 mm). Two bounds:
- unconfirmed steering, while the measurements' source is not trusted: |u - u_confirmed| <= unconfirmed_mm * gamma.
  u_confirmed is the differential commanded `response_s` before a measurement that put the sheet within
  `confirm_band_mm` of the standard: an output the line showed to hold the sheet where it belongs. A source becomes
  trusted once it has shown the sheet within that band for `trust_after_s`; a new source (the tracker respawned, or
  anything else that took over the topic) starts untrusted, from the output running when it took over. A spoofer
  that reports the sheet far off is never trusted: the sheet moves at most `unconfirmed_mm`, and is held there.
  A sheet far from the standard confirms an output too when it has followed it: the differential commanded
  `response_s` ago differs from that of the last confirmed sighting by a change that eq. 10 says moves the sheet
  at least `confirm_band_mm`, and the measured deviation moved in that direction by at least `follow_fraction` of
  it. A real camera that starts measuring after the sheet drifted far (a start-up outage) thus walks the bound to
  the standard; a spoofer whose reports do not follow the rolls does not.
- authority, always: |u - u_start| <= max_steering_mm * gamma, the largest correction the line ever needs from its
  start output. This bounds a patient spoofer that first imitates a sheet at the standard, which no check on the
  measurements alone can tell from a real one (SROS2 can: it authenticates the publisher).
A trusted source is not bounded by the first: a real disturbance can keep the sheet away from the standard for as long
as it likes, and the controller must be free to follow it. `gamma_hz_per_mm` should be the line's smallest gamma (a
smaller gamma moves the sheet further per Hz).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
import math

OUTPUT_HISTORY_S = 10.0   # outputs kept for measurements the camera saw this long ago (stale ones are refused sooner)


@dataclass(frozen=True)
class SteeringBoundConfig:
    alpha: float                 # eq. 10 ratio factors the loop assumes (1)
    beta: float
    gamma_hz_per_mm: float       # the line's smallest gamma (Hz/mm)
    unconfirmed_mm: float        # steering allowed beyond the confirmed operating point (mm)
    max_steering_mm: float       # steering allowed from the start output, ever (mm)
    confirm_band_mm: float       # a sheet this close to the standard confirms the output that put it there (mm)
    response_s: float            # a roll change shows at the camera after this long, settled (s)
    trust_after_s: float         # a source showing the sheet near the standard this long is trusted (s)
    follow_fraction: float       # a sheet that moved this share of eq. 10's move for an output change confirms it (1)

    def __post_init__(self) -> None:
        values = (self.alpha, self.beta, self.gamma_hz_per_mm, self.unconfirmed_mm, self.max_steering_mm,
                  self.confirm_band_mm)
        if not all(math.isfinite(v) and v > 0 for v in values) or not (self.response_s >= 0 and
                                                                       self.trust_after_s >= 0):
            raise ValueError('steering bound: factors, gamma and distances must be positive, times >= 0')
        if not 0 < self.follow_fraction <= 1:
            raise ValueError('steering bound: follow_fraction must lie in (0, 1]')


class SteeringBound:
    def __init__(self, config: SteeringBoundConfig, start_output_hz: tuple[float, float]) -> None:
        self.config = config
        self.start = self.confirmed = self.differential(start_output_hz)
        self.trusted = False
        self._near_since: float | None = None   # since when the source has shown the sheet near the standard
        self._commanded: deque[tuple[float, float]] = deque([(-math.inf, self.start)])  # (time s, differential Hz)
        self._sighting: tuple[float, float] | None = None  # (differential the sheet showed, its deviation mm)

    def differential(self, output_hz: tuple[float, float]) -> float:
        return self.config.alpha * output_hz[0] - self.config.beta * output_hz[1]

    def commanded(self, now_s: float, output_hz: tuple[float, float]) -> None:
        """The output written at `now_s`, whatever the mode (manual and hold outputs are confirmed too)."""
        self._commanded.append((now_s, self.differential(output_hz)))
        self._forget_before(now_s - self.config.response_s - OUTPUT_HISTORY_S)

    def new_source(self) -> None:
        """The measurements come from another publisher: untrusted, bounded around the output running now."""
        self.trusted, self._near_since, self._sighting = False, None, None
        self.confirmed = self._commanded[-1][1]

    def observed(self, seen_s: float, deviation_mm: float) -> None:
        """An admitted measurement the camera saw at `seen_s` (its stamp, on the clock `commanded` uses; later for
        each call): the sheet centre's deviation from the standard centre (mm)."""
        seen_at = seen_s - self.config.response_s
        self._forget_before(seen_at)
        shown = self._commanded[0][1] if self._commanded[0][0] <= seen_at else None
        if abs(deviation_mm) > self.config.confirm_band_mm:
            self._near_since = None
            if shown is not None and self._sighting is None:
                self._sighting = (shown, deviation_mm)
            elif shown is not None and self._followed(shown, deviation_mm):
                self.confirmed, self._sighting = shown, (shown, deviation_mm)
            return
        if shown is not None:
            self.confirmed, self._sighting = shown, (shown, deviation_mm)
        self._near_since = seen_s if self._near_since is None else self._near_since
        self.trusted = self.trusted or seen_s - self._near_since >= self.config.trust_after_s

    def _followed(self, shown: float, deviation_mm: float) -> bool:
        """Whether the sheet moved with the output change since the last sighting (eq. 10 at the smallest gamma:
        the largest move the change can cause)."""
        expected_mm = (shown - self._sighting[0]) / self.config.gamma_hz_per_mm
        moved_mm = deviation_mm - self._sighting[1]
        return (abs(expected_mm) >= self.config.confirm_band_mm
                and moved_mm * math.copysign(1.0, expected_mm) >= self.config.follow_fraction * abs(expected_mm))

    def _forget_before(self, t_s: float) -> None:
        """Keep the last output commanded at or before `t_s` and all later ones."""
        while len(self._commanded) > 1 and self._commanded[1][0] <= t_s:
            self._commanded.popleft()

    def limit(self, wanted_hz: tuple[float, float]) -> tuple[tuple[float, float], bool]:
        """`wanted_hz` with its differential moved inside both bounds (the change split between the rolls, their
        mean kept), and whether it had to be."""
        c = self.config
        reach, authority = c.unconfirmed_mm * c.gamma_hz_per_mm, c.max_steering_mm * c.gamma_hz_per_mm
        low, high = self.start - authority, self.start + authority
        if not self.trusted:
            low, high = max(self.confirmed - reach, low), min(self.confirmed + reach, high)
        if low > high:      # confirmed outside the authority: hold at its nearest edge
            low = high = min(max(self.confirmed, self.start - authority), self.start + authority)
        u = self.differential(wanted_hz)
        if not math.isfinite(u) or low <= u <= high:
            return wanted_hz, False
        excess = u - min(max(u, low), high)
        return (wanted_hz[0] - excess / (2 * c.alpha), wanted_hz[1] + excess / (2 * c.beta)), True
