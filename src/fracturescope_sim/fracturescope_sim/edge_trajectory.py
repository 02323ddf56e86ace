"""Sheet-edge trajectories: where the sheet's left and right edges are at time t (mm in the ideal view).

The line camera takes any callable `t -> SheetEdges | None` (None: no sheet in view), so a line model can
drive it later; these are the paper's evaluation patterns (section V.D: Gaussian, sinusoidal and step noise).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
import math

import numpy as np


@dataclass(frozen=True)
class SheetEdges:
    left_mm: float
    right_mm: float
    front_mm: float = math.inf       # leading end of an entering sheet, ideal-view mm from the top (inf: none)

    @property
    def width_mm(self) -> float:
        return self.right_mm - self.left_mm


EdgeTrajectory = Callable[[float], SheetEdges | None]


def constant(left_mm: float, right_mm: float) -> EdgeTrajectory:
    edges = SheetEdges(left_mm, right_mm)
    return lambda t: edges


def gaussian_drift(left_mm: float, right_mm: float, sigma_mm: float, bandwidth_hz: float, seed: int,
                   width_sigma_mm: float | None = None, components: int = 32) -> EdgeTrajectory:
    """Band-limited Gaussian wander: a sum of many random-phase sinusoids below `bandwidth_hz` (by the central
    limit theorem close to Gaussian, std `sigma_mm` for the sheet shift), an exact function of t. The width
    wanders independently with std `width_sigma_mm` (default sigma/4)."""
    rng = np.random.default_rng(seed)
    width_sigma = sigma_mm / 4.0 if width_sigma_mm is None else width_sigma_mm

    def process(std: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        freqs = rng.uniform(0.02, bandwidth_hz, components)
        phases = rng.uniform(0.0, 2.0 * math.pi, components)
        amps = np.full(components, std * math.sqrt(2.0 / components))
        return 2.0 * math.pi * freqs, phases, amps

    shift, width = process(sigma_mm), process(width_sigma)

    def at(t: float) -> SheetEdges:
        s = float(np.sum(shift[2] * np.sin(shift[0] * t + shift[1])))
        w = float(np.sum(width[2] * np.sin(width[0] * t + width[1])))
        return SheetEdges(left_mm + s - w / 2.0, right_mm + s + w / 2.0)

    return at


def sinusoidal_drift(left_mm: float, right_mm: float, amplitude_mm: float, period_s: float,
                     width_amplitude_mm: float = 0.0) -> EdgeTrajectory:
    """The sheet sways side to side; its width breathes with a quarter-period lag."""
    def at(t: float) -> SheetEdges:
        s = amplitude_mm * math.sin(2.0 * math.pi * t / period_s)
        w = width_amplitude_mm * math.cos(2.0 * math.pi * t / period_s)
        return SheetEdges(left_mm + s - w / 2.0, right_mm + s + w / 2.0)
    return at


def step_drift(left_mm: float, right_mm: float, step_mm: float, every_s: float, ramp_s: float,
               seed: int, max_offset_mm: float | None = None) -> EdgeTrajectory:
    """Sudden shifts: every `every_s` the sheet moves by +-step_mm (random sign), over `ramp_s` (a sheet cannot
    jump), staying within +-max_offset_mm (default 4 steps) of the start."""
    rng = np.random.default_rng(seed)
    limit = 4.0 * step_mm if max_offset_mm is None else max_offset_mm
    levels = [0.0]

    def level(k: int) -> float:
        while len(levels) <= k:
            sign = 1.0 if rng.random() < 0.5 else -1.0
            nxt = levels[-1] + sign * step_mm
            levels.append(nxt if abs(nxt) <= limit else levels[-1] - sign * step_mm)
        return levels[k]

    def at(t: float) -> SheetEdges:
        k = max(int(t // every_s), 0)
        into = t - k * every_s
        offset = level(k)
        if k > 0 and into < ramp_s:  # raised-cosine ramp from the previous level
            offset = level(k - 1) + (offset - level(k - 1)) * 0.5 * (1.0 - math.cos(math.pi * into / ramp_s))
        return SheetEdges(left_mm + offset, right_mm + offset)

    return at


def edge_steps(left_mm: float, right_mm: float, step_mm: float, every_s: float, ramp_s: float,
               seed: int, max_offset_mm: float | None = None) -> EdgeTrajectory:
    """Fast steps of one edge at a time (the width changes): every `every_s` a random edge moves by +-step_mm over
    `ramp_s` (raised cosine), the other stays, each within +-max_offset_mm (default 2 steps) of its start."""
    rng = np.random.default_rng(seed)
    limit = 2.0 * step_mm if max_offset_mm is None else max_offset_mm
    levels = [(0.0, 0.0)]

    def level(k: int) -> tuple[float, float]:
        while len(levels) <= k:
            side = int(rng.random() < 0.5)
            sign = 1.0 if rng.random() < 0.5 else -1.0
            offsets = list(levels[-1])
            moved = offsets[side] + sign * step_mm
            offsets[side] = moved if abs(moved) <= limit else offsets[side] - sign * step_mm
            levels.append((offsets[0], offsets[1]))
        return levels[k]

    def at(t: float) -> SheetEdges:
        k = max(int(t // every_s), 0)
        into = t - k * every_s
        offsets = level(k)
        if k > 0 and into < ramp_s:  # raised-cosine ramp from the previous level
            share = 0.5 * (1.0 - math.cos(math.pi * into / ramp_s))
            before = level(k - 1)
            offsets = tuple(b + (o - b) * share for b, o in zip(before, offsets, strict=True))
        return SheetEdges(left_mm + offsets[0], right_mm + offsets[1])

    return at


def entering(trajectory: EdgeTrajectory, start_s: float, speed_mm_s: float) -> EdgeTrajectory:
    """A sheet entering an empty line: nothing before `start_s`, then its leading end comes down from the top of
    the view at `speed_mm_s` (covering the bars one after the other); the edges follow `trajectory`."""
    def at(t: float) -> SheetEdges | None:
        edges = trajectory(t)
        if edges is None or t < start_s:
            return None
        return replace(edges, front_mm=min(edges.front_mm, (t - start_s) * speed_mm_s))
    return at


def with_empty(trajectory: EdgeTrajectory, empty: Sequence[tuple[float, float]]) -> EdgeTrajectory:
    """No sheet in view during each (start_s, end_s) interval: the line stopped, or before start-up."""
    def at(t: float) -> SheetEdges | None:
        if any(start <= t < end for start, end in empty):
            return None
        return trajectory(t)
    return at


def named(pattern: str, left_mm: float, right_mm: float, amplitude_mm: float, seed: int) -> EdgeTrajectory:
    """The benchmark's patterns by name: 'gaussian', 'sinusoidal', 'step', 'fast_step' (one edge at a time, about
    2.5 px per frame on average at amplitude 40 mm), 'constant'."""
    if pattern == 'gaussian':
        return gaussian_drift(left_mm, right_mm, amplitude_mm / 2.0, 0.4, seed)
    if pattern == 'sinusoidal':
        return sinusoidal_drift(left_mm, right_mm, amplitude_mm, 6.0, amplitude_mm / 5.0)
    if pattern == 'step':
        return step_drift(left_mm, right_mm, amplitude_mm / 2.0, 2.0, 0.25, seed)
    if pattern == 'fast_step':
        return edge_steps(left_mm, right_mm, amplitude_mm, 1.0, 0.3, seed)
    if pattern == 'constant':
        return constant(left_mm, right_mm)
    raise ValueError(f'unknown edge trajectory {pattern!r}: gaussian, sinusoidal, step, fast_step or constant')
