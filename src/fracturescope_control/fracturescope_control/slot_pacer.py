"""When a control slot starts: on the first usable edge measurement near the slot's end, else on the clock.

A slot started by the node's own clock acts on the newest measurement, which waited for it up to one camera frame
interval (33 ms at 30 fps) on top of the camera's and tracker's latency; in closed loop every millisecond of delay
costs alignment (the line model: 50 ms camera latency -> 2.86 mm mean error on Gaussian disturbance, 100 ms -> 3.67).
So a measurement arriving within `early_s` of the slot's end starts the slot at once, and the write answers that
frame. Slot ends stay on a fixed grid of `period_s`, so the rate is the configured one on average whatever the
camera's frame rate; without measurements (a lost or stale camera) slots start on the clock `late_s` after their end,
still once per period, so holds and timeouts are written on time.
"""

from __future__ import annotations


class SlotPacer:
    def __init__(self, period_s: float, early_s: float, late_s: float) -> None:
        if period_s <= 0 or not 0 <= early_s < period_s or not 0 <= late_s < period_s:
            raise ValueError('period_s must be positive; early_s and late_s within [0, period_s)')
        self.period_s = period_s
        self.early_s = early_s
        self.late_s = late_s
        self._end_s: float | None = None   # end of the current slot on the grid (receiver clock, s)

    def on_measurement(self, now_s: float) -> bool:
        """A usable measurement arrived: True when it starts a slot (the caller runs the control step now)."""
        return self._start_if(self._end_s is None or now_s >= self._end_s - self.early_s, now_s)

    def on_clock(self, now_s: float) -> bool:
        """The clock ticked: True when no measurement started the slot in time (the caller runs the step now)."""
        return self._start_if(self._end_s is None or now_s >= self._end_s + self.late_s, now_s)

    def _start_if(self, due: bool, now_s: float) -> bool:
        if not due:
            return False
        if self._end_s is None or now_s >= self._end_s + self.period_s:
            self._end_s = now_s + self.period_s      # first slot, or a whole slot missed (a stall): a new grid
        else:
            self._end_s += self.period_s
        return True
