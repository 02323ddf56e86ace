"""Entropy of a difference frame on 16 grey levels (paper eq. 1), shared by availability detection and the cache."""

import cv2
import numpy as np

LEVELS = 16


def grey(image: np.ndarray) -> np.ndarray:
    """Grey levels by eq. 3 (0.2989 R + 0.587 G + 0.114 B: OpenCV's RGB2GRAY weights); grey input passes through."""
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)  # eq. 3


def histogram_entropy(counts: np.ndarray) -> float:
    """H = -sum p_i ln p_i over the non-empty bins (eq. 1), in nats."""
    counts = counts[counts > 0].astype(np.float64)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())  # eq. 1


def difference_entropy(a: np.ndarray, b: np.ndarray) -> float:
    """Entropy of |a - b| (grey uint8, same shape) reduced to 16 levels by dividing by 16 (paper IV.A)."""
    diff = cv2.absdiff(a, b)
    counts = np.bincount((diff >> 4).ravel(), minlength=LEVELS)
    return histogram_entropy(counts)
