"""Contrast enhancement of the mROI (paper IV.C.2, eq. 6-7): sharpen where the edge is, smooth elsewhere.

Windows of m x n px whose mean |Sobel x| exceeds a threshold get Laplacian sharpening (f - c * lap f, eq. 6);
the rest is smoothed with a Gaussian kernel (eq. 7), which suppresses noise edges away from the sheet edge.
"""

import cv2
import numpy as np


def laplacian_sharpen(grey: np.ndarray, strength: float) -> np.ndarray:
    """f - strength * (d2f/dx2 + d2f/dy2) (eq. 6), float32."""
    lap = cv2.Laplacian(grey, cv2.CV_32F, ksize=1)  # eq. 6
    return grey.astype(np.float32) - strength * lap


def gaussian_smooth(grey: np.ndarray, sigma: float) -> np.ndarray:
    """Convolution with G(x, y) = exp(-(x^2 + y^2) / 2 sigma^2) / (2 pi sigma^2) (eq. 7), float32."""
    return cv2.GaussianBlur(grey.astype(np.float32), (0, 0), sigma)  # eq. 7


def edge_windows(grey: np.ndarray, window: tuple[int, int], threshold: float) -> np.ndarray:
    """Boolean mask (same shape as grey): pixels in a window whose mean |Sobel x| exceeds `threshold`."""
    gradient = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3))
    m, n = window
    mean = cv2.boxFilter(gradient, -1, (n, m), borderType=cv2.BORDER_REPLICATE)
    return mean > threshold


def enhance(grey: np.ndarray, window: tuple[int, int], threshold: float, sharpen: float,
            sigma: float) -> np.ndarray:
    """uint8 mROI with eq. 6 in the edge windows and eq. 7 elsewhere."""
    mask = edge_windows(grey, window, threshold)
    out = np.where(mask, laplacian_sharpen(grey, sharpen), gaussian_smooth(grey, sigma))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
