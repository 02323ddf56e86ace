"""The paper's comparison methods (section V.B), per frame and without memory, for the benchmark.

- Canny + Hough lines on the whole (undistorted) frame: the longest near-vertical line on each side of the
  view centre is taken as that sheet edge (fixed thresholds; the paper's "Canny").
- Canny on the reference-bar region: edge points of both bar bands, the column with most points on each side
  (the paper's "Canny with ROI", which showed what the bars contribute).
"""

import math

import cv2
import numpy as np

from fracturescope_perception.edge_eye.distortion_correction import DistortionCorrection
from fracturescope_perception.edge_eye.entropy import grey


def canny_hough_full_frame(frame: np.ndarray, correction: DistortionCorrection, row: float,
                           low: float = 50.0, high: float = 150.0) -> tuple[float, float] | None:
    """(left, right) ideal px on `row`, or None when a side has no near-vertical line."""
    height, width = frame.shape[:2]
    ideal = grey(correction.region(frame, (0, height), (0, width)))
    edges = cv2.Canny(ideal, low, high)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 360, threshold=80, minLineLength=120, maxLineGap=6)
    best: dict[str, tuple[float, float]] = {}
    for x1, y1, x2, y2 in (lines.reshape(-1, 4) if lines is not None else []):
        if abs(x2 - x1) > 0.05 * abs(y2 - y1):  # within about 3 degrees of vertical
            continue
        x_at_row = x1 + (x2 - x1) * (row - y1) / (y2 - y1) if y2 != y1 else float(x1)
        side = 'left' if x_at_row < width / 2 else 'right'
        length = math.hypot(x2 - x1, y2 - y1)
        if length > best.get(side, (0.0, 0.0))[0]:
            best[side] = (length, float(x_at_row))
    if 'left' not in best or 'right' not in best:
        return None
    return best['left'][1], best['right'][1]


def canny_bar_region(frame: np.ndarray, correction: DistortionCorrection, bar_rows: list[tuple[int, int]],
                     bar_columns: tuple[int, int], margin: int = 24, low: float = 50.0,
                     high: float = 150.0) -> tuple[float, float] | None:
    """(left, right) ideal px: strongest column of Canny points over the bar bands on each side of the centre."""
    c0, c1 = bar_columns[0] + margin, bar_columns[1] - margin
    counts = np.zeros(c1 - c0)
    for rows in bar_rows:
        edges = cv2.Canny(grey(correction.region(frame, rows, (c0, c1))), low, high)
        counts += (edges > 0).sum(axis=0)
    centre = frame.shape[1] // 2 - c0
    left, right = counts[:centre], counts[centre:]
    if left.max() <= 0 or right.max() <= 0:
        return None
    return float(c0 + np.argmax(left)), float(c0 + centre + np.argmax(right))
