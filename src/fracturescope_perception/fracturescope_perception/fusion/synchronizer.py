"""Pairs two stamped streams (RGB and thermal frames) by time stamp within a slop (message_filters is not
installable here; this does the one job the perception node needs, and says what it dropped and why).

Each stream is assumed to arrive in stamp order (a camera driver's stamps do not go back); a frame older than the
newest one already seen on its stream is dropped as `out_of_order`. When `resync_after` frames in a row are older,
the stream's clock went back (a driver restarted, a clock corrected) or the newest stamp was bogus (a frame stamped
years ahead): the stream starts over from the frame now arriving (`resynced`) instead of refusing every
later frame.

Algorithm 1 (greedy on the oldest frame), repeated while both queues hold frames:
  1. h = the oldest queued frame of either stream; p = the oldest queued frame of the other stream. Every
     frame queued or still to come on the other stream is at or after p, so p is h's closest possible partner.
  2. If p is more than the slop after h, h can never be paired: drop it (`no_partner`).
  3. If the next queued frame of h's own stream is closer to p than h is, p is better paired with that one:
     drop h (`no_partner`).
  4. Otherwise pair (h, p).
A pair is emitted as soon as both frames are in, without waiting for a later frame that might fit p slightly
better: the node's latency matters more than the last millisecond of alignment, and the slop bounds the error.
When a queue is full, its oldest frame is dropped (`queue_full`).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar('T')
U = TypeVar('U')
STREAMS = ('rgb', 'thermal')
DROP_REASONS = ('no_partner', 'queue_full', 'out_of_order')
DROPS = tuple(f'{stream}_{reason}' for stream in STREAMS for reason in DROP_REASONS)  # keys of `dropped`


@dataclass(frozen=True)
class Stamped(Generic[T]):
    stamp_ns: int
    item: T


class PairSynchronizer(Generic[T, U]):
    def __init__(self, slop_s: float, queue_size: int, resync_after: int) -> None:
        if slop_s < 0 or queue_size < 1 or resync_after < 1:
            raise ValueError('slop must be >= 0, queue_size and resync_after >= 1')
        self.slop_ns = int(round(slop_s * 1e9))
        self.queue_size = queue_size
        self.resync_after = resync_after
        self._behind: dict[str, int] = {s: 0 for s in STREAMS}   # frames in a row older than the newest
        self._queues: dict[str, deque[Stamped]] = {s: deque() for s in STREAMS}
        self._newest: dict[str, int | None] = {s: None for s in STREAMS}
        self.dropped: Counter[str] = Counter()   # keys: DROPS
        self.resynced: Counter[str] = Counter()  # times a stream started over (its frame is kept, not dropped)
        self.paired = 0

    def add_rgb(self, stamp_ns: int, item: T) -> list[tuple[Stamped[T], Stamped[U]]]:
        return self._add('rgb', stamp_ns, item)

    def add_thermal(self, stamp_ns: int, item: U) -> list[tuple[Stamped[T], Stamped[U]]]:
        return self._add('thermal', stamp_ns, item)

    def pending(self, stream: str) -> int:
        return len(self._queues[stream])

    def _drop(self, stream: str, reason: str) -> None:
        self.dropped[f'{stream}_{reason}'] += 1

    def _add(self, stream: str, stamp_ns: int, item: object) -> list[tuple[Stamped, Stamped]]:
        newest = self._newest[stream]
        if newest is not None and stamp_ns < newest:
            self._behind[stream] += 1
            if self._behind[stream] < self.resync_after:
                self._drop(stream, 'out_of_order')
                return []
            self.resynced[stream] += 1
            self.dropped[f'{stream}_no_partner'] += len(self._queues[stream])   # queued under the old clock
            self._queues[stream].clear()
        self._behind[stream] = 0
        self._newest[stream] = stamp_ns
        queue = self._queues[stream]
        queue.append(Stamped(stamp_ns, item))
        if len(queue) > self.queue_size:
            queue.popleft()
            self._drop(stream, 'queue_full')
        return self._match()

    def _match(self) -> list[tuple[Stamped, Stamped]]:
        pairs = []
        rgb, thermal = self._queues['rgb'], self._queues['thermal']
        while rgb and thermal:
            own, other, own_name = (rgb, thermal, 'rgb') if rgb[0].stamp_ns <= thermal[0].stamp_ns \
                else (thermal, rgb, 'thermal')
            head, partner = own[0], other[0]                                     # Algorithm 1 step 1
            gap = partner.stamp_ns - head.stamp_ns
            if gap > self.slop_ns:                                               # step 2
                own.popleft()
                self._drop(own_name, 'no_partner')
                continue
            if len(own) > 1 and abs(own[1].stamp_ns - partner.stamp_ns) < gap:  # step 3
                own.popleft()
                self._drop(own_name, 'no_partner')
                continue
            own.popleft()                                                        # step 4
            other.popleft()
            self.paired += 1
            pairs.append((head, partner) if own_name == 'rgb' else (partner, head))
        return pairs
