"""Which observations become alerts. A robot sees one crack in many frames and a hot spot for as long as it lasts:
each finding alerts once, and again only after `repeat_s` while it persists (the repeats are counted, not sent)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass


class Debounce:
    """Let a key through once per `repeat_s`; count what it held back."""

    def __init__(self, repeat_s: float) -> None:
        self.repeat_s = repeat_s
        self._last: dict[Hashable, float] = {}
        self.suppressed = 0

    def allow(self, key: Hashable, now_s: float) -> bool:
        last = self._last.get(key)
        if last is not None and now_s - last < self.repeat_s:
            self.suppressed += 1
            return False
        self._last[key] = now_s
        if len(self._last) > 10_000:    # keys of findings long gone
            self._last = {k: t for k, t in self._last.items() if now_s - t < self.repeat_s}
        return True


@dataclass(frozen=True)
class DefectRule:
    """Seed 001: alert when P(anomaly) > 0.7; seed 000: every finding of a defect class."""

    labels: frozenset[str]
    min_confidence: float
    anomaly_score: float

    @classmethod
    def of(cls, labels: Iterable[str], min_confidence: float, anomaly_score: float) -> DefectRule:
        return cls(frozenset(labels), min_confidence, anomaly_score)

    def alerts(self, label: str, confidence: float, anomaly_score: float) -> bool:
        return (label in self.labels and confidence >= self.min_confidence) or anomaly_score > self.anomaly_score


class EdgeLossWatch:
    """Edge-Eye has no usable edge for `after_s`: one `lost` alert; the first usable edge after it: `regained`."""

    def __init__(self, after_s: float) -> None:
        self.after_s = after_s
        self._unusable_since: float | None = None
        self._lost = False

    def feed(self, usable: bool, now_s: float) -> tuple[str, float] | None:
        """('lost' | 'regained', seconds without a usable edge) when the state changes, else None."""
        if usable:
            since, self._unusable_since = self._unusable_since, None
            if self._lost:
                self._lost = False
                return 'regained', now_s - since
            return None
        if self._unusable_since is None:
            self._unusable_since = now_s
        if not self._lost and now_s - self._unusable_since >= self.after_s:
            self._lost = True
            return 'lost', now_s - self._unusable_since
        return None


class ChangeWatch:
    """A value that alerts when it changes (the control mode); the first one seen is reported too."""

    def __init__(self) -> None:
        self._value: object = None
        self._seen = False

    def feed(self, value: object) -> tuple[object, object] | None:
        """(previous, new) when it changed, else None."""
        if self._seen and value == self._value:
            return None
        previous, self._value, self._seen = self._value, value, True
        return previous, value
