"""Tiles -> network input, the one definition shared by training, calibration and the node (numpy only).

RGB: scaled to 0..1, then standardised per channel with the training set's mean and standard deviation.
Thermal: the contrast over the background (frame_tiles) divided by a fixed scale in kelvin. Absolute temperature
says little about a defect (ambient and sun load vary by tens of degrees) but the contrast to the surrounding
surface does, and a fixed scale keeps its strength meaningful (a 20 K hot spot stays far from a 2 K delamination),
unlike per-frame standardisation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

MODALITY_CHANNELS = {'fused': 4, 'rgb': 3, 'thermal': 1}


@dataclass(frozen=True)
class Normalisation:
    rgb_mean: tuple[float, float, float]
    rgb_std: tuple[float, float, float]
    thermal_scale_k: float

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> Normalisation:
        return Normalisation(tuple(d['rgb_mean']), tuple(d['rgb_std']), float(d['thermal_scale_k']))


def fit_rgb_statistics(rgb: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and standard deviation of N x H x W x 3 uint8 images, in 0..1 units."""
    x = rgb.reshape(-1, 3).astype(np.float64) / 255.0
    return tuple(float(v) for v in x.mean(0)), tuple(float(v) for v in x.std(0))


def network_input(rgb: np.ndarray, thermal_contrast_k: np.ndarray, norm: Normalisation) -> np.ndarray:
    """Fused batch N x 4 x S x S float32 from tiles: N x S x S x 3 uint8 RGB and N x S x S thermal contrast [K]
    (temperature over its background, see frame_tiles)."""
    x = np.asarray(rgb, np.float32) / np.float32(255.0)
    x = (x - np.asarray(norm.rgb_mean, np.float32)) / np.asarray(norm.rgb_std, np.float32)
    t = np.asarray(thermal_contrast_k, np.float32)[:, None] / np.float32(norm.thermal_scale_k)
    return np.ascontiguousarray(np.concatenate([np.transpose(x, (0, 3, 1, 2)), t], axis=1), dtype=np.float32)
