"""Perspective transformation (paper IV.B, eq. 2): undo the lens distortion of the captured frame.

Only the regions the tracker looks at are corrected: the undistortion maps are computed once for the whole frame,
and a region of the ideal view is produced by remapping with the maps' slice (cost proportional to the region).
"""

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Calibration:
    camera_matrix: np.ndarray        # 3x3, px
    dist_coeffs: np.ndarray          # k1, k2, p1, p2, k3 (OpenCV order; eq. 2)
    width: int
    height: int
    rms_px: float = float('nan')     # reprojection error of the calibration that produced it


class DistortionCorrection:
    """Ideal (undistorted) view with the calibrated camera matrix as its own: x_ideal * mm_per_px is mm."""

    def __init__(self, calibration: Calibration) -> None:
        self.calibration = calibration
        size = (calibration.width, calibration.height)
        map_x, map_y = cv2.initUndistortRectifyMap(calibration.camera_matrix, calibration.dist_coeffs, None,
                                                   calibration.camera_matrix, size, cv2.CV_32FC1)
        self._map_x, self._map_y = map_x, map_y

    def region(self, frame: np.ndarray, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
        """The ideal-view region [rows) x [cols) of a captured frame (any channel count), bilinear."""
        (r0, r1), (c0, c1) = rows, cols
        map_x = np.ascontiguousarray(self._map_x[r0:r1, c0:c1])
        map_y = np.ascontiguousarray(self._map_y[r0:r1, c0:c1])
        return cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def distorted_points(self, ideal_px: np.ndarray) -> np.ndarray:
        """Where ideal-view points (N, 2) are in the captured frame (for drawing on the raw image)."""
        cal = self.calibration
        k = cal.camera_matrix
        pts = np.asarray(ideal_px, np.float64).reshape(-1, 2)
        normalised = np.column_stack([(pts[:, 0] - k[0, 2]) / k[0, 0], (pts[:, 1] - k[1, 2]) / k[1, 1],
                                      np.ones(len(pts))])
        projected, _ = cv2.projectPoints(normalised, np.zeros(3), np.zeros(3), k, cal.dist_coeffs)
        return projected.reshape(-1, 2)
