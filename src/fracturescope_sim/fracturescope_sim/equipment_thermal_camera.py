"""Simulated low-resolution thermal camera (MLX90640-like, 32 x 24) watching heat-producing equipment (seed 001).

The equipment goes through a seeded, deterministic sequence of states: mostly normal operation (cold, warm, hot,
changing to a neighbouring load level after a dwell time) and now and then an anomaly segment (a hot spot away
from the known hot points) before it returns to normal. Every frame is equipment_frames.synthesize_frame of its
state, seeded by (seed, index), so frame n is the same whatever was asked before it.

A configurable share of frames goes out in 16UC1 centikelvin (the radiometric convention, a valid encoding), and
another share deliberately bad (NaN pixels, a non-temperature encoding, a wrong size), so the monitor's checks are
exercised in the simulated graph. Each frame names its variant for the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass

from fracturescope_common.image_conversion import celsius_to_centikelvin
import numpy as np

from fracturescope_sim.equipment_frames import HEIGHT, STATES, WIDTH, synthesize_frame

NORMAL_STATES = STATES[:3]                       # cold, warm, hot: load levels, in order
ANOMALY = STATES[3]
GOOD_VARIANTS = ('normal', 'centikelvin')
BAD_VARIANTS = ('nan_pixels', 'wrong_encoding', 'wrong_size')


@dataclass(frozen=True)
class EquipmentCameraConfig:
    fps: float = 4.0                  # frames per second [Hz] (MLX90640: 0.5-64 Hz, 4 Hz is its usual rate)
    mean_dwell_s: float = 8.0         # mean time in one normal operating state [s] (exponential)
    anomaly_share: float = 0.15       # share of state segments that are anomalies [0..1]
    mean_anomaly_s: float = 3.0       # mean duration of an anomaly segment [s] (exponential)
    centikelvin_share: float = 0.1    # share of good frames sent as 16UC1 centikelvin [0..1]
    bad_frame_share: float = 0.03     # share of deliberately bad frames [0..1]
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.fps > 0 or not self.mean_dwell_s > 0 or not self.mean_anomaly_s > 0:
            raise ValueError('fps, mean_dwell_s and mean_anomaly_s must be positive')
        for name in ('anomaly_share', 'centikelvin_share', 'bad_frame_share'):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f'{name} {getattr(self, name)} is not in 0..1')


@dataclass(frozen=True)
class ThermalFrame:
    index: int
    t: float               # seconds since the first frame
    state: str             # true state of the equipment (the ground truth label)
    variant: str           # one of GOOD_VARIANTS or BAD_VARIANTS
    pixels: np.ndarray     # what goes on the wire, in `encoding`
    encoding: str          # sensor_msgs/Image encoding of `pixels`

    @property
    def bad(self) -> bool:
        return self.variant in BAD_VARIANTS


class StateSequence:
    """Segments (state, frames) drawn in order from one generator; extended on demand, so any index is cheap."""

    def __init__(self, config: EquipmentCameraConfig) -> None:
        self._config = config
        self._rng = np.random.default_rng(np.random.SeedSequence([config.seed, 0x5EC]))
        self._states: list[str] = []      # one per frame, as far as drawn
        self._level = 0                   # index into NORMAL_STATES; the equipment starts cold

    def _frames(self, mean_s: float) -> int:
        return max(1, int(round(self._rng.exponential(mean_s) * self._config.fps)))

    def _extend(self) -> None:
        c = self._config
        # an anomaly never follows an anomaly: the equipment is seen normal in between
        if self._states and self._states[-1] != ANOMALY and self._rng.random() < c.anomaly_share:
            self._states += [ANOMALY] * self._frames(c.mean_anomaly_s)
            return
        if self._states:  # the load moves to a neighbouring level (cold <-> warm <-> hot)
            step = self._rng.choice((-1, 1)) if self._level == 1 else (1 if self._level == 0 else -1)
            self._level += int(step)
        self._states += [NORMAL_STATES[self._level]] * self._frames(c.mean_dwell_s)

    def state(self, index: int) -> str:
        if index < 0:
            raise ValueError(f'frame index {index} < 0')
        while len(self._states) <= index:
            self._extend()
        return self._states[index]


def _bad_pixels(variant: str, celsius: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    if variant == 'nan_pixels':  # dead pixels reported as NaN by a driver
        frame = celsius.copy()
        frame.flat[rng.choice(frame.size, size=int(rng.integers(1, 9)), replace=False)] = np.nan
        return frame, '32FC1'
    if variant == 'wrong_encoding':  # a false-colour preview (mono8) published on the radiometric topic
        span = max(float(np.ptp(celsius)), 1e-3)
        return np.rint((celsius - celsius.min()) / span * 255.0).astype(np.uint8), 'mono8'
    if variant == 'wrong_size':  # the sensor in a 2 x 2 binned mode: 16 x 12
        return celsius.reshape(HEIGHT // 2, 2, WIDTH // 2, 2).mean(axis=(1, 3)).astype(np.float32), '32FC1'
    raise ValueError(f'unknown bad-frame variant {variant!r}; expected one of {BAD_VARIANTS}')


class EquipmentThermalCamera:
    def __init__(self, config: EquipmentCameraConfig) -> None:
        self.config = config
        self.sequence = StateSequence(config)

    def frame(self, index: int) -> ThermalFrame:
        c = self.config
        state = self.sequence.state(index)
        celsius = synthesize_frame(state, (c.seed, index))
        # the variant has its own stream per frame, so changing a share leaves the states and pixels as they were
        rng = np.random.default_rng(np.random.SeedSequence([c.seed, index, 0xBAD]))
        if rng.random() < c.bad_frame_share:
            variant = str(rng.choice(BAD_VARIANTS))
            pixels, encoding = _bad_pixels(variant, celsius, rng)
        elif rng.random() < c.centikelvin_share:
            variant, pixels, encoding = 'centikelvin', celsius_to_centikelvin(celsius), '16UC1'
        else:
            variant, pixels, encoding = 'normal', celsius, '32FC1'
        return ThermalFrame(index, index / c.fps, state, variant, pixels, encoding)

