"""A byte budget for the uplink (a cellular contract): a token bucket of `bytes_per_s` that holds at most
`burst_s` seconds of budget. 0 bytes/s means no budget."""

from __future__ import annotations


class ByteBudget:
    def __init__(self, bytes_per_s: float, burst_s: float, now_s: float) -> None:
        self.bytes_per_s = bytes_per_s
        self.capacity = bytes_per_s * burst_s
        self._tokens, self._t = self.capacity, now_s
        self.spent = 0

    @property
    def limited(self) -> bool:
        return self.bytes_per_s > 0

    def available(self, now_s: float) -> float:
        if not self.limited:
            return float('inf')
        self._tokens = min(self.capacity, self._tokens + (now_s - self._t) * self.bytes_per_s)
        self._t = now_s
        return self._tokens

    def affords(self, n_bytes: int, now_s: float) -> bool:
        """Whether `n_bytes` may go now; a message larger than the bucket goes once the bucket is full."""
        tokens = self.available(now_s)
        return tokens >= n_bytes or tokens >= self.capacity

    def spend(self, n_bytes: int, now_s: float) -> None:
        if self.limited:
            self.available(now_s)
            self._tokens -= n_bytes   # may go below zero: the next message waits until it is paid back
        self.spent += n_bytes
