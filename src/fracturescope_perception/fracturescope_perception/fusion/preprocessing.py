"""Pair -> network input, the one definition shared by training, calibration and the node (numpy only).

RGB: scaled to 0..1, then standardised per channel with the training set's mean and standard deviation.
Thermal: the frame's median is subtracted and the result divided by a fixed scale in kelvin. Absolute
temperature says little about a defect (ambient and sun load vary by tens of degrees) but the contrast to the
surrounding surface does; the median is robust to the defect itself, and a fixed scale keeps the strength of a
contrast meaningful (a 20 K hot spot stays far from a 2 K delamination), unlike per-frame standardisation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
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


def thermal_contrast(thermal_c: np.ndarray, scale_k: float) -> np.ndarray:
    """(T - median(T)) / scale per frame; thermal_c is ... x H x W in degC."""
    t = np.asarray(thermal_c, np.float32)
    median = np.median(t.reshape(*t.shape[:-2], -1), axis=-1)[..., None, None]
    return (t - median) / np.float32(scale_k)


def network_input(rgb: np.ndarray, thermal_contrast_k: np.ndarray, norm: Normalisation) -> np.ndarray:
    """Fused batch N x 4 x S x S float32 from tiles: N x S x S x 3 uint8 RGB and N x S x S thermal contrast [K]
    (temperature over its background, see frame_tiles)."""
    x = np.asarray(rgb, np.float32) / np.float32(255.0)
    x = (x - np.asarray(norm.rgb_mean, np.float32)) / np.asarray(norm.rgb_std, np.float32)
    t = np.asarray(thermal_contrast_k, np.float32)[:, None] / np.float32(norm.thermal_scale_k)
    return np.ascontiguousarray(np.concatenate([np.transpose(x, (0, 3, 1, 2)), t], axis=1), dtype=np.float32)


def to_input(rgb: np.ndarray, thermal_c: np.ndarray, norm: Normalisation, modality: str,
             size: int | None = None) -> np.ndarray:
    """Batch N x C x H x W float32 from N x H x W x 3 uint8 RGB and N x H x W degC thermal (single pairs too).

    With `size`, each image of another size is resized to size x size (area averaging for RGB, bilinear for the
    thermal field), so a low-resolution thermal frame pairs with a full-resolution RGB one.
    """
    if modality not in MODALITY_CHANNELS:
        raise ValueError(f'unknown modality {modality!r}; expected one of {tuple(MODALITY_CHANNELS)}')
    rgb = np.asarray(rgb)
    thermal_c = np.asarray(thermal_c, np.float32)
    if rgb.ndim == 3:
        rgb, thermal_c = rgb[None], thermal_c[None]
    if size is not None and rgb.shape[1:3] != (size, size):
        rgb = np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in rgb])
    if size is not None and thermal_c.shape[1:3] != (size, size):
        thermal_c = np.stack([cv2.resize(t, (size, size), interpolation=cv2.INTER_LINEAR) for t in thermal_c])
    if rgb.shape[:3] != thermal_c.shape[:3] or rgb.shape[-1] != 3:
        raise ValueError(f'RGB {rgb.shape} and thermal {thermal_c.shape} do not pair')
    channels = []
    if modality in ('fused', 'rgb'):
        x = rgb.astype(np.float32) / np.float32(255.0)
        x = (x - np.asarray(norm.rgb_mean, np.float32)) / np.asarray(norm.rgb_std, np.float32)
        channels.append(np.transpose(x, (0, 3, 1, 2)))
    if modality in ('fused', 'thermal'):
        channels.append(thermal_contrast(thermal_c, norm.thermal_scale_k)[:, None])
    return np.ascontiguousarray(np.concatenate(channels, axis=1), dtype=np.float32)
