"""Shared by the tests: a private ROS domain on localhost for a graph test's own probe node and the graph; a small
thermal installation for the installation model's tests."""

from fracturescope_launch.isolation import isolated_ros_env
import numpy as np
import pytest


@pytest.fixture
def graph_env(monkeypatch):
    env = isolated_ros_env()
    monkeypatch.setenv('ROS_AUTOMATIC_DISCOVERY_RANGE', env['ROS_AUTOMATIC_DISCOVERY_RANGE'])
    return env


H, W = 24, 32
RUNNING_K = {'hot': 30.0}
LEVELS = {'cold': (0.0, 0.02), 'warm': (0.2, 0.8), 'hot': (0.95, 1.05)}   # share of the running heat


def scene(state, rng, ambient=None, shake=True, spot=None):
    """A pipe (rows 8-10) and a motor (a block with a hotter bearing), heated by the state, at an ambient."""
    ambient = rng.uniform(5.0, 35.0) if ambient is None else ambient
    level = RUNNING_K['hot'] * rng.uniform(*LEVELS[state])     # warm: heating up or cooling down
    frame = np.full((H + 2, W + 2), ambient) + np.linspace(0, 1.0, W + 2)[None]        # a wall gradient
    frame[9:12, 1:33] += level                                                          # pipe
    frame[15:22, 6:14] += 0.7 * level                                                   # motor housing
    frame[17:20, 13:15] += 0.9 * level * rng.uniform(0.9, 1.1)                           # its bearing
    if spot is not None:
        x, y, excess = spot
        frame[y + 1:y + 3, x + 1:x + 3] += excess
    dy, dx = rng.integers(-1, 2, 2) if shake else (0, 0)
    frame = frame[1 + dy:1 + dy + H, 1 + dx:1 + dx + W]
    return frame + rng.normal(0.0, 0.2, (H, W))


@pytest.fixture
def thermal_scene():
    """scene(state, rng, ambient=None, shake=True, spot=(x, y, excess_k) or None) -> 24 x 32 degC"""
    return scene
