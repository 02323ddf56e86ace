"""When a player publishes each message and what /clock says meanwhile: bag time maps onto the steady clock from
the moment playback (or each loop) starts, scaled by the rate. Recorded gaps are kept, divided by the rate; a
message stamped earlier than one already published goes out at once."""

from __future__ import annotations

from dataclasses import dataclass

NS_PER_S = 1_000_000_000


@dataclass(frozen=True)
class PlaybackSchedule:
    """Bag time `bag_start_ns` is played at steady time `steady_start_s`; `rate` 2 plays twice as fast."""

    bag_start_ns: int
    steady_start_s: float
    rate: float = 1.0

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError(f'rate must be positive, not {self.rate}')

    def due_at(self, timestamp_ns: int) -> float:
        """Steady time [s] at which the message stamped `timestamp_ns` is published."""
        return self.steady_start_s + max(0, timestamp_ns - self.bag_start_ns) / NS_PER_S / self.rate

    def bag_time_at(self, steady_s: float) -> int:
        """Bag time [ns] that /clock carries at steady time `steady_s`."""
        return self.bag_start_ns + int(max(0.0, steady_s - self.steady_start_s) * self.rate * NS_PER_S)


def playback_start(starting_time_ns: int | None, first_message_ns: int | None, start_offset_s: float) -> int | None:
    """Bag time [ns] playback starts from: the bag's start (from its metadata, else its first message) plus the
    offset. None for a bag without messages."""
    start = starting_time_ns if starting_time_ns is not None else first_message_ns
    if start is None:
        return None
    if start_offset_s < 0:
        raise ValueError(f'start offset must not be negative, not {start_offset_s}')
    return start + round(start_offset_s * NS_PER_S)
