"""A small JPEG of the frame an alert is about, within a byte budget (a cellular link pays for every byte)."""

from __future__ import annotations

import cv2
import numpy as np

QUALITIES = (80, 65, 50, 35, 20)


def jpeg_thumbnail(image: np.ndarray, max_side_px: int, max_bytes: int) -> bytes | None:
    """JPEG bytes of `image` (H x W x 3 BGR, or H x W grey) shrunk to at most `max_side_px`, at the
    best quality that fits `max_bytes`; None when even the lowest quality does not fit."""
    if image.ndim not in (2, 3) or image.size == 0:
        raise ValueError(f'not an image: shape {image.shape}')
    height, width = image.shape[:2]
    scale = min(1.0, max_side_px / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else image
    if small.dtype != np.uint8:
        small = cv2.normalize(small, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    for quality in QUALITIES:
        ok, jpeg = cv2.imencode('.jpg', small, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and jpeg.size <= max_bytes:
            return jpeg.tobytes()
    return None
