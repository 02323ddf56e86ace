"""32 x 24 thermal frames of heat-producing equipment (seed 001: an MLX90640 watching a water heater).

The equipment has a body and a few known hot points (burner, flue, pressure relief) that are always hotter
than the body when it runs. States, as in the seed:
  cold     equipment off, close to ambient
  warm     running at part load
  hot      running at full load
  anomaly  any of the above plus a hot spot away from every known hot point (a failing joint, a leak of hot
           water, an insulation fault)
Frames carry the sensor's noise (about 0.1-0.25 K), a small camera shake, and varying ambient temperature.
Each frame is a pure function of its seed tuple.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
from fracturescope_perception.thermal_monitor.sensor import HEIGHT, WIDTH
import numpy as np

STATES = ('cold', 'warm', 'hot', 'anomaly')


@dataclass(frozen=True)
class HotPoint:
    x: float        # column [px]
    y: float        # row [px]
    radius: float   # [px]
    gain: float     # temperature rise over the body, as a share of the body's rise over ambient


@dataclass(frozen=True)
class Equipment:
    """Body rectangle (x0, y0, x1, y1) in pixels and the known hot points."""

    body: tuple[int, int, int, int] = (9, 3, 23, 22)
    hot_points: tuple[HotPoint, ...] = (
        HotPoint(16.0, 19.0, 2.5, 1.2),   # burner
        HotPoint(16.0, 4.0, 1.8, 0.9),    # flue
        HotPoint(21.0, 9.0, 1.2, 0.7),    # pressure relief valve
    )


# body temperature rise over ambient per state [K] (anomaly frames draw one of the three)
BODY_RISE_K = {'cold': (0.0, 3.0), 'warm': (12.0, 22.0), 'hot': (30.0, 45.0)}


def _disc(x: float, y: float, radius: float) -> np.ndarray:
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    return np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * radius ** 2)).astype(np.float32)


def far_from_hot_points(rng: np.random.Generator, equipment: Equipment, margin: float) -> tuple[float, float]:
    """A point on the body at least `margin` pixels from every known hot point's edge."""
    x0, y0, x1, y1 = equipment.body
    for _ in range(1000):
        x, y = rng.uniform(x0 - 4, x1 + 4), rng.uniform(y0, y1)
        if all(np.hypot(x - p.x, y - p.y) > p.radius + margin for p in equipment.hot_points):
            return float(x), float(y)
    raise RuntimeError('no place for a hot spot away from the known hot points')


def synthesize_frame(state: str, seed: tuple[int, ...], equipment: Equipment = Equipment()) -> np.ndarray:
    """One HEIGHT x WIDTH float32 frame in degC showing `state`."""
    if state not in STATES:
        raise ValueError(f'unknown state {state!r}; expected one of {STATES}')
    rng = np.random.default_rng(np.random.SeedSequence(list(seed)))
    ambient = rng.uniform(10.0, 28.0)
    base_state = str(rng.choice(STATES[:3])) if state == 'anomaly' else state
    rise = rng.uniform(*BODY_RISE_K[base_state])
    frame = np.full((HEIGHT, WIDTH), ambient, np.float32)
    x0, y0, x1, y1 = equipment.body
    body = np.zeros((HEIGHT, WIDTH), np.float32)
    body[y0:y1, x0:x1] = 1.0
    body = cv2.GaussianBlur(body, (0, 0), 0.8)
    frame += rise * body * (0.9 + 0.2 * np.linspace(0, 1, HEIGHT, dtype=np.float32))[:, None]  # warmer at the top
    for p in equipment.hot_points:
        frame += rise * p.gain * rng.uniform(0.8, 1.2) * _disc(p.x, p.y, p.radius)
    if state == 'anomaly':
        x, y = far_from_hot_points(rng, equipment, margin=2.5)
        frame += rng.uniform(8.0, 30.0) * _disc(x, y, rng.uniform(0.8, 1.8))
    # background clutter (a pipe, a wall) and the sensor: shake, noise
    frame += rng.uniform(-1.0, 1.0) * np.linspace(0, 1, WIDTH, dtype=np.float32)[None, :]
    shift = rng.integers(-1, 2, 2)
    frame = np.roll(frame, (int(shift[0]), int(shift[1])), axis=(0, 1))
    frame += rng.normal(0.0, rng.uniform(0.1, 0.25), frame.shape).astype(np.float32)
    return frame.astype(np.float32)


def synthesize_set(per_state: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(frames N x HEIGHT x WIDTH degC, labels N) with per_state frames of each state."""
    frames, labels = [], []
    for label, state in enumerate(STATES):
        for i in range(per_state):
            frames.append(synthesize_frame(state, (seed, label, i)))
            labels.append(label)
    return np.stack(frames), np.array(labels, np.int64)
