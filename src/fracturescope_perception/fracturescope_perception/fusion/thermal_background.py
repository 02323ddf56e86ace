"""Scene-scale thermal background (sun and shade, smooth gradients, ambient drift) removed before the network.

A defect is a local temperature contrast; the scene adds temperature structure far larger than any defect. The
background under a pixel is a median of the cell medians in a window around it: medians ignore a defect smaller
than half the window and keep a sun/shade edge where it is (a mean or a Gaussian would smear it into a false
contrast on both sides). The window median is separable (along rows, then along columns), and cells keep the cost
at a few milliseconds per frame.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def nan_median(x: np.ndarray) -> np.ndarray:
    """Median along the last axis ignoring NaN (NaN where all are NaN); sort-based: numpy's nanmedian is ~20x slower."""
    ordered = np.sort(x, axis=-1)                # NaN sort last
    n = np.count_nonzero(~np.isnan(x), axis=-1)
    lo = np.take_along_axis(ordered, np.maximum(n - 1, 0)[..., None] // 2, -1)[..., 0]
    hi = np.take_along_axis(ordered, (n // 2)[..., None], -1)[..., 0] if x.shape[-1] else lo
    median = np.where(n % 2 == 1, lo, 0.5 * (lo + np.where(n > 0, hi, lo)))
    return np.where(n > 0, median, np.nan).astype(x.dtype)


def smooth_background(thermal: np.ndarray, cell_px: int, window_cells: int) -> np.ndarray:
    """Background temperature of an H x W field in degC (NaN = not seen: ignored, and NaN in the result)."""
    t = np.asarray(thermal, np.float32)
    h, w = t.shape
    rows, cols = math.ceil(h / cell_px), math.ceil(w / cell_px)
    padded = np.full((rows * cell_px, cols * cell_px), np.nan, np.float32)
    padded[:h, :w] = t
    r = window_cells // 2
    cells = nan_median(padded.reshape(rows, cell_px, cols, cell_px).transpose(0, 2, 1, 3).reshape(rows, cols, -1))
    # point-reflected at the border (2 edge - mirror image): a window there keeps a gradient's median on the
    # edge cell, where a one-sided or mirrored window would be biased by half its width
    cells = np.pad(cells, r, mode='reflect', reflect_type='odd')
    along_rows = nan_median(np.lib.stride_tricks.sliding_window_view(cells, 2 * r + 1, axis=1))
    background = nan_median(np.lib.stride_tricks.sliding_window_view(along_rows, 2 * r + 1, axis=0))
    missing = ~np.isfinite(background)
    if missing.all():
        return np.full_like(t, np.nan)
    if missing.any():
        background[missing] = np.float32(np.nanmedian(background))
    full = cv2.resize(background, (cols * cell_px, rows * cell_px), interpolation=cv2.INTER_LINEAR)[:h, :w]
    return np.where(np.isfinite(t), full, np.nan).astype(np.float32)
