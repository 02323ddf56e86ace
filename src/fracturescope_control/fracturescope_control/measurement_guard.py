"""Which edge measurements may drive the rolls at all: one source, stamps by this node's clock, and only what the line
can physically do. Plain Python; the control loop asks `MeasurementGuard.admit` for every measurement it is given.

Without SROS2 anything on the robot's network can publish on `edges` (the PyPI Fast DDS has no security plugins). The
guard limits what such a publisher can do:
- One source: the first publisher heard is followed; a second one while it is alive is refused (`foreign_source`).
  When the followed one has been silent for `source_timeout_s` (a respawned tracker is a new publisher), the next
  source is taken only if it is the only one heard within that time; two at once -> `conflicting_sources`, all
  refused until one is left.
- Stamps, by the node's clock: older than `max_age_s` (`old`), ahead by more than `max_future_s` (`future`), or not
  newer than the last admitted one (`out_of_order`).
- Physics: an edge moving faster than `max_edge_speed_mm_s` since the last admitted measurement, plus a sudden
  shift of `jump_mm` (`jump`), or a sheet width outside `width_range_mm` (`width`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import math


class Refusal(StrEnum):
    """Why a measurement is not used; each is a /diagnostics counter refused_<reason>."""

    FOREIGN_SOURCE = 'foreign_source'
    CONFLICTING_SOURCES = 'conflicting_sources'
    OLD = 'old'
    FUTURE = 'future'
    OUT_OF_ORDER = 'out_of_order'
    JUMP = 'jump'
    WIDTH = 'width'


@dataclass(frozen=True)
class PlausibilityLimits:
    max_age_s: float                 # stamp older than this on arrival (s)
    max_future_s: float              # stamp ahead of the node's clock by more than this (s)
    max_edge_speed_mm_s: float       # fastest an edge moves: disturbance plus the rolls' own steering (mm/s)
    jump_mm: float                   # sudden shift allowed on top: noise and step disturbances (mm)
    width_range_mm: tuple[float, float]   # sheet widths the line makes (mm)
    source_timeout_s: float          # a source silent this long is gone (s)

    def __post_init__(self) -> None:
        values = (self.max_age_s, self.max_future_s, self.max_edge_speed_mm_s, self.jump_mm, self.source_timeout_s)
        if not all(math.isfinite(v) and v >= 0 for v in values):
            raise ValueError('plausibility limits must be finite and non-negative')
        low, high = self.width_range_mm
        if not 0 <= low < high:
            raise ValueError(f'width range {self.width_range_mm} mm is not a range')


@dataclass(frozen=True)
class EdgeSample:
    left_mm: float
    right_mm: float
    stamp_s: float       # when the camera saw it, on the receiver's clock (s)
    received_s: float    # receiver clock (s)
    source: str          # the publisher (its DDS GID); '' when unknown


class MeasurementGuard:
    def __init__(self, limits: PlausibilityLimits) -> None:
        self.limits = limits
        self.source: str | None = None          # the publisher followed
        self._heard: dict[str, float] = {}      # source -> last arrival (s)
        self._last: EdgeSample | None = None    # last admitted

    def admit(self, sample: EdgeSample, has_edges: bool) -> Refusal | None:
        """None when `sample` may be used, else why not. `has_edges`: it carries two edges (not no-material or lost);
        only such a sample is checked against the line's physics and becomes the reference for the next."""
        refusal = self._source_refusal(sample) or self._stamp_refusal(sample)
        if refusal is None and has_edges:
            refusal = self._physics_refusal(sample)
            if refusal is None:
                self._last = sample
        return refusal

    def _source_refusal(self, sample: EdgeSample) -> Refusal | None:
        now, timeout = sample.received_s, self.limits.source_timeout_s
        self._heard[sample.source] = now
        self._heard = {source: t for source, t in self._heard.items() if now - t <= timeout}
        if sample.source == self.source:
            return None
        if self.source in self._heard:
            return Refusal.FOREIGN_SOURCE
        if len(self._heard) > 1:
            self.source = None
            return Refusal.CONFLICTING_SOURCES
        self.source, self._last = sample.source, None   # a new source starts its own history
        return None

    def _stamp_refusal(self, sample: EdgeSample) -> Refusal | None:
        if not math.isfinite(sample.stamp_s) or sample.received_s - sample.stamp_s > self.limits.max_age_s:
            return Refusal.OLD
        if sample.stamp_s - sample.received_s > self.limits.max_future_s:
            return Refusal.FUTURE
        if self._last is not None and sample.stamp_s <= self._last.stamp_s:
            return Refusal.OUT_OF_ORDER
        return None

    def _physics_refusal(self, sample: EdgeSample) -> Refusal | None:
        low, high = self.limits.width_range_mm
        if not low <= sample.right_mm - sample.left_mm <= high:
            return Refusal.WIDTH
        if self._last is not None:
            reach = self.limits.max_edge_speed_mm_s * (sample.stamp_s - self._last.stamp_s) + self.limits.jump_mm
            if max(abs(sample.left_mm - self._last.left_mm), abs(sample.right_mm - self._last.right_mm)) > reach:
                return Refusal.JUMP
        return None
