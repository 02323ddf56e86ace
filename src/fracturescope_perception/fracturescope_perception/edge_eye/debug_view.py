"""The debug image: the captured frame at half size with both mROIs and the measured edges drawn."""

import cv2
import numpy as np

from fracturescope_perception.edge_eye.distortion_correction import DistortionCorrection
from fracturescope_perception.edge_eye.tracker import EdgeResult, Status

_COLOURS = {Status.OK: (0, 220, 0), Status.REPAIRED: (255, 200, 0), Status.UNRECOGNISED: (255, 0, 0),
            Status.NO_MATERIAL: (128, 128, 128)}


def debug_image(frame: np.ndarray, result: EdgeResult, correction: DistortionCorrection,
                mm_per_px: float, x_origin_mm: float = 0.0, scale: float = 0.5) -> np.ndarray:
    """RGB uint8 image `scale` x the frame: mROIs as rectangles, edges as lines (both mapped back through the
    lens onto the captured frame), status and timing as text."""
    small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2RGB)
    colour = _COLOURS[result.status]
    for roi in result.rois:
        if roi is None:
            continue
        (r0, r1), (c0, c1) = roi.rows, roi.cols
        corners = correction.distorted_points(np.array([[c0, r0], [c1, r0], [c1, r1], [c0, r1]], np.float64))
        cv2.polylines(small, [np.round(corners * scale).astype(np.int32)], True, (255, 255, 0), 1)
        for x_mm in (result.left_mm, result.right_mm):
            x = (x_mm - x_origin_mm) / mm_per_px
            if np.isfinite(x) and c0 <= x <= c1:
                line = correction.distorted_points(np.array([[x, r0], [x, r1]], np.float64))
                cv2.line(small, *[tuple(int(v) for v in np.round(p * scale)) for p in line], colour, 1)
    text = f'{result.status.name} L {result.left_mm:.1f} R {result.right_mm:.1f} mm  {result.processing_ms:.1f} ms'
    cv2.putText(small, text, (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, 1, cv2.LINE_AA)
    return small
