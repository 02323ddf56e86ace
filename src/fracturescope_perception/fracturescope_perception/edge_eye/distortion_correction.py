"""Perspective transformation (paper IV.B, eq. 2): undo the lens distortion of the captured frame.

Only the regions the tracker looks at are corrected: the undistortion maps are computed once for the whole frame,
and a region of the ideal view is produced by remapping with the maps' slice (cost proportional to the region).
With a SheetPlaneGeometry (camera roll, tilted bars: sheet_plane.py) the maps go straight to the sheet-plane view,
so a region is still sampled once from the captured frame.
"""

from dataclasses import dataclass
import math

import cv2
import numpy as np

from fracturescope_perception.edge_eye.sheet_plane import BarLine, SheetPlaneGeometry, apply


@dataclass(frozen=True)
class Calibration:
    camera_matrix: np.ndarray        # 3x3, px
    dist_coeffs: np.ndarray          # k1, k2, p1, p2, k3 (OpenCV order; eq. 2)
    width: int
    height: int
    rms_px: float = float('nan')     # reprojection error of the calibration that produced it


class DistortionCorrection:
    """Ideal (undistorted) view with the calibrated camera matrix as its own: x_ideal * mm_per_px is mm. With a
    `geometry`, the sheet-plane view instead (roll turned back, bar tilts sheared out)."""

    def __init__(self, calibration: Calibration, geometry: SheetPlaneGeometry | None = None) -> None:
        self.calibration = calibration
        self.geometry = None if geometry is None or geometry.is_identity else geometry
        size = (calibration.width, calibration.height)
        k, dist = calibration.camera_matrix, calibration.dist_coeffs
        if self.geometry is None:
            map_x, map_y = cv2.initUndistortRectifyMap(k, dist, None, k, size, cv2.CV_32FC1)
        else:
            # Each bar's rows from its own view: initUndistortRectifyMap inverts (new camera matrix x R) whole, so a
            # homography after the camera matrix maps sheet-plane-view pixels to captured ones exactly.
            map_x, map_y = np.empty((size[1], size[0]), np.float32), np.empty((size[1], size[0]), np.float32)
            edges = [0, *(int(math.ceil(e)) for e in self.geometry.band_edges()), size[1]]
            for (r0, r1), bar in zip(zip(edges, edges[1:], strict=False),
                                     sorted(self.geometry.bars, key=lambda b: b.rows[0]), strict=True):
                mx, my = cv2.initUndistortRectifyMap(k, dist, np.eye(3), self._to_view(bar) @ k, size,
                                                     cv2.CV_32FC1)
                map_x[r0:r1], map_y[r0:r1] = mx[r0:r1], my[r0:r1]
        self._map_x, self._map_y = map_x, map_y

    def _to_view(self, bar: BarLine) -> np.ndarray:
        k = self.calibration.camera_matrix
        return self.geometry.homography(bar, (float(k[0, 2]), float(k[1, 2])))

    def region(self, frame: np.ndarray, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
        """The ideal-view region [rows) x [cols) of a captured frame (any channel count), bilinear."""
        (r0, r1), (c0, c1) = rows, cols
        map_x = np.ascontiguousarray(self._map_x[r0:r1, c0:c1])
        map_y = np.ascontiguousarray(self._map_y[r0:r1, c0:c1])
        return cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def distorted_points(self, ideal_px: np.ndarray) -> np.ndarray:
        """Where ideal-view points (N, 2) (sheet-plane-view points with a geometry) are in the captured frame (for
        drawing on the raw image)."""
        cal = self.calibration
        k = cal.camera_matrix
        pts = np.asarray(ideal_px, np.float64).reshape(-1, 2)
        if self.geometry is not None:
            pts = np.vstack([apply(np.linalg.inv(self._to_view(self.geometry.bar_of_row(y))), p[None])
                             for p, y in zip(pts, pts[:, 1], strict=True)]) if len(pts) else pts
        normalised = np.column_stack([(pts[:, 0] - k[0, 2]) / k[0, 0], (pts[:, 1] - k[1, 2]) / k[1, 1],
                                      np.ones(len(pts))])
        projected, _ = cv2.projectPoints(normalised, np.zeros(3), np.zeros(3), k, cal.dist_coeffs)
        return projected.reshape(-1, 2)
