"""Operator "inspect again" requests (seed 000: the remote operator asks the robot to look again at a finding).

The detector classifies every pair anyway; a request makes the next `pairs_per_request` pairs its answer: they carry
the request's issuer and nonce in their DefectDetection, get an annotated view whatever annotated_image_every says,
and the uplink sends them to the operator whatever its repeat suppression says. Requests are answered in the order
they came; one that waits (no camera pairs) is still answered when pairs come back, and shows on /diagnostics."""

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    issuer: str
    nonce: int


class ReinspectionQueue:
    def __init__(self, pairs_per_request: int, max_waiting: int = 100) -> None:
        if pairs_per_request < 1:
            raise ValueError('an inspect-again request must cover at least one pair')
        self.pairs_per_request = pairs_per_request
        self._waiting: deque[list] = deque()   # [request, pairs still to answer it]
        self._max_waiting = max_waiting
        self.requested = self.answered = self.refused = 0

    @property
    def waiting(self) -> int:
        """Requests not answered in full yet."""
        return len(self._waiting)

    def request(self, issuer: str, nonce: int) -> bool:
        """Queue a verified request; False when `max_waiting` requests already wait (counted, not queued)."""
        if len(self._waiting) >= self._max_waiting:
            self.refused += 1
            return False
        self._waiting.append([Request(issuer, nonce), self.pairs_per_request])
        self.requested += 1
        return True

    def next_pair(self) -> Request | None:
        """The request the pair being classified answers, or None for a routine pair."""
        if not self._waiting:
            return None
        entry = self._waiting[0]
        entry[1] -= 1
        if entry[1] == 0:
            self._waiting.popleft()
            self.answered += 1
        return entry[0]
