"""Sub-pixel refinement of the two edge estimates on the mROI's intensities (beyond the paper).

Canny points sit on whole (super-resolved) pixels. Vertical: the row-averaged |d/dx| profile over the bar rows
peaks at the sheet edge; a parabola through the peak and its neighbours places it to a fraction of a pixel.
Horizontal: along the bar's boundary rows |d/dy| is high where the bar is visible and drops where the sheet
covers it; the edge is where it crosses half-way between the two levels (the 50 % point of a blurred step).

Gamma: a camera with gamma g writes grey = 255 (light)^(1/g), so an encoded step is no longer symmetric and its
gradient peak moves towards the darker side by up to half a pixel (measured on independently rendered scenes,
g 1.8-2.4: a 1 mm bias, inwards on dark sheets, outwards on bright ones). linear_light_table undoes the camera's
gamma (camera_gamma); the tracker places the vertical estimate on linear light (the horizontal one stays on grey
levels: there its plateaus followed shadows).
"""

import numpy as np


def linear_light_table(gamma: float) -> np.ndarray | None:
    """Grey level 0..255 -> linear light on the same scale (float32, 256 entries) for a camera with `gamma`; None for
    a linear camera (gamma 1)."""
    if not gamma > 0.0:
        raise ValueError(f'camera gamma {gamma} must be positive')
    if gamma == 1.0:
        return None
    return (255.0 * (np.arange(256, dtype=np.float64) / 255.0) ** gamma).astype(np.float32)


def parabola_peak(y_minus: float, y0: float, y_plus: float) -> float:
    """Offset in (-0.5, 0.5) of the vertex of the parabola through (-1, y-), (0, y0), (1, y+)."""
    denom = y_minus - 2.0 * y0 + y_plus
    if denom >= 0.0:
        return 0.0
    return float(np.clip(0.5 * (y_minus - y_plus) / denom, -0.5, 0.5))


def refine_vertical(image: np.ndarray, x0: float, rows: tuple[int, int], half_window: int) -> float:
    """x of the |d/dx| peak within +-half_window of x0, averaged over `rows`."""
    band = image[rows[0]:rows[1]].astype(np.float32)
    profile = band.mean(axis=0)
    gradient = np.abs(profile[2:] - profile[:-2])          # centred difference at columns 1..w-2
    c0 = int(round(x0)) - 1
    lo, hi = max(c0 - half_window, 1), min(c0 + half_window + 1, gradient.size - 1)
    if hi <= lo:
        return x0
    peak = lo + int(np.argmax(gradient[lo:hi]))
    return float(peak + 1 + parabola_peak(gradient[peak - 1], gradient[peak], gradient[peak + 1]))


def refine_horizontal(image: np.ndarray, x0: float, boundary_rows: tuple[int, int], side: str,
                      half_window: int, plateau: int) -> float:
    """x where the bar boundary's |d/dy| falls half-way from its bar-side level to its sheet-side level."""
    img = image.astype(np.float32)
    profiles = []
    for row in boundary_rows:
        lo, hi = max(row - 2, 1), min(row + 3, img.shape[0] - 1)
        dy = np.abs(img[lo + 1:hi + 1] - img[lo - 1:hi - 1])  # centred d/dy on rows lo..hi-1
        profiles.append(dy.max(axis=0))
    profile = np.mean(profiles, axis=0)
    c = int(round(x0))
    w = profile.size
    bar_side = profile[max(c - half_window - plateau, 0):max(c - half_window, 1)] if side == 'left' else \
        profile[min(c + half_window + 1, w - 1):min(c + half_window + 1 + plateau, w)]
    sheet_side = profile[min(c + half_window + 1, w - 1):min(c + half_window + 1 + plateau, w)] if side == 'left' \
        else profile[max(c - half_window - plateau, 0):max(c - half_window, 1)]
    if bar_side.size == 0 or sheet_side.size == 0:
        return x0
    high, low = float(np.median(bar_side)), float(np.median(sheet_side))
    if high - low < 1e-3:
        return x0
    half = (high + low) / 2.0
    lo, hi = max(c - half_window, 0), min(c + half_window + 1, w)
    segment = profile[lo:hi]
    # Walk from the bar side towards the sheet to the first crossing of the half level.
    order = range(len(segment) - 1) if side == 'left' else range(len(segment) - 1, 0, -1)
    for i in order:
        j = i + 1 if side == 'left' else i - 1
        a, b = segment[i], segment[j]
        if a >= half > b:
            return float(lo + i + (j - i) * (a - half) / (a - b))
    return x0
