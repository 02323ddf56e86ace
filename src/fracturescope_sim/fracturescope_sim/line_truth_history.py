"""Where the line's sheet was at a given time, from the line model's ground truth as it arrives (the PLC simulator's
line/ground_truth): what the simulated line camera renders when it is in the loop.

Samples arrive a few ms late and at their own rate; a frame is captured between them. The edges at a capture time are
interpolated between the two samples around it, or extrapolated from the last two for at most `max_extrapolation_s`
(the newest sample is a DDS hop behind the camera's clock). Beyond that the time is not known (`knows`: False): the
camera must not show a sheet that has stopped where it was last seen (a stuck picture the controller would steer
on), nor an empty line (a sheet that vanished); it drops the frame, as a camera that misses a frame. Before the first
sample the line is empty, and a sample without a sheet (None) makes it empty from that time on.
"""

from bisect import bisect_right
from collections import deque

from fracturescope_sim.edge_trajectory import SheetEdges


class LineTruthHistory:
    def __init__(self, keep_s: float = 2.0, max_extrapolation_s: float = 0.1) -> None:
        if keep_s <= 0 or max_extrapolation_s < 0:
            raise ValueError('keep_s must be positive and max_extrapolation_s not negative')
        self.keep_s = keep_s
        self.max_extrapolation_s = max_extrapolation_s
        self._times: deque[float] = deque()
        self._edges: deque[SheetEdges | None] = deque()

    def __len__(self) -> int:
        return len(self._times)

    def add(self, t: float, edges: SheetEdges | None) -> None:
        """A ground-truth sample at time `t` (s); samples out of order are dropped (a stale duplicate)."""
        if self._times and t <= self._times[-1]:
            return
        self._times.append(t)
        self._edges.append(edges)
        while self._times and self._times[0] < t - self.keep_s:
            self._times.popleft()
            self._edges.popleft()

    def knows(self, t: float) -> bool:
        """Whether the sheet at `t` is known: before the first sample (empty line) or within the extrapolation."""
        return not self._times or t <= self._times[-1] + self.max_extrapolation_s

    def at(self, t: float) -> SheetEdges | None:
        """The sheet's edges at time `t`; None: no sheet. ValueError when `t` is past what is known (`knows`)."""
        times = self._times
        if not times or t < times[0]:
            return None
        i = bisect_right(times, t) - 1          # last sample at or before t
        if i == len(times) - 1:                 # after the newest sample: extrapolate a little
            if t - times[i] > self.max_extrapolation_s:
                raise ValueError(f'no line sample within {self.max_extrapolation_s} s before {t:.3f} s')
            i = max(i - 1, 0)
        before, after = self._edges[i], self._edges[min(i + 1, len(times) - 1)]
        if before is None or after is None or i + 1 >= len(times):
            return self._edges[bisect_right(times, t) - 1]
        w = (t - times[i]) / (times[i + 1] - times[i])
        return SheetEdges(before.left_mm + w * (after.left_mm - before.left_mm),
                          before.right_mm + w * (after.right_mm - before.right_mm))
