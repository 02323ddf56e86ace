"""When a control slot starts: on the first usable edge measurement near the slot's end, else on the clock.

A slot started by the node's own clock acts on the newest measurement, which waited for it up to one camera frame
interval (33 ms at 30 fps) on top of the camera's and tracker's latency; in closed loop every millisecond of delay
costs alignment (the line model: 50 ms camera latency -> 2.86 mm mean error on Gaussian disturbance, 100 ms -> 3.67).
So a measurement arriving within `early_s` of the slot's end starts the slot at once, and the write answers that
frame. Slot ends stay on a fixed grid of `period_s`, so the rate is the configured one on average whatever the
camera's frame rate; without measurements (a lost or stale camera) slots start on the clock `late_s` after their end,
still once per period, so holds and timeouts are written on time. Two slots never start closer than
`period_s / 2 - early_s` apart (and the loop slews by the time that really passed: loop.py).
"""

from __future__ import annotations


class SlotPacer:
    def __init__(self, period_s: float, early_s: float, late_s: float) -> None:
        if period_s <= 0 or early_s < 0 or late_s < 0 or early_s + late_s >= period_s / 2:
            raise ValueError('period_s must be positive, early_s and late_s >= 0 and together under half of it')
        self.period_s = period_s
        self.early_s = early_s
        self.late_s = late_s
        self._end_s: float | None = None   # end of the current slot on the grid (receiver clock, s)

    def on_measurement(self, now_s: float) -> bool:
        """A usable measurement arrived: True when it starts a slot (the caller runs the control step now)."""
        return self._start_if_due(now_s, -self.early_s)

    def on_clock(self, now_s: float) -> bool:
        """The clock ticked: True when no measurement started the slot in time (the caller runs the step now)."""
        return self._start_if_due(now_s, self.late_s)

    def _start_if_due(self, now_s: float, after_end_s: float) -> bool:
        """Start a slot when `now_s` is at least `after_end_s` past the current slot's end."""
        end_s = self._end_s
        if end_s is not None and now_s < end_s - self.period_s - self.early_s:
            end_s = None   # the clock went back (a looping bag's /clock): the old grid is in the future
        if end_s is not None and now_s < end_s + after_end_s:
            return False
        if end_s is None or now_s >= end_s + self.period_s / 2:
            # first slot, a clock jump, or half a slot late (a stall): a new grid, so that the next measurement
            # cannot start another slot at once and no catch-up slots follow
            self._end_s = now_s + self.period_s
        else:
            self._end_s = end_s + self.period_s
        return True
