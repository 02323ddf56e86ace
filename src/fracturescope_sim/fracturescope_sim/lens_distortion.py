"""The line camera's lens: pinhole intrinsics plus radial and tangential distortion (paper eq. 2).

OpenCV's Brown-Conrady model, coefficients in OpenCV order (k1, k2, p1, p2, k3). The paper prints eq. 2 with p1 and
p2 swapped in the y row; the model OpenCV calibrates (and the tracker undoes) is the one used here.
"""

from dataclasses import dataclass

import cv2
import numpy as np

# undistortPoints iterates a fixed-point solve; 5 iterations (OpenCV's default) leave 0.005 px at the corners.
_UNDISTORT_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 60, 1e-10)


@dataclass(frozen=True)
class LensModel:
    """Intrinsics in pixels of the `width` x `height` image and distortion coefficients (k1, k2, p1, p2, k3)."""

    width: int
    height: int
    focal_px: float
    cx: float
    cy: float
    k1: float = 0.0
    k2: float = 0.0
    p1: float = 0.0
    p2: float = 0.0
    k3: float = 0.0

    @property
    def camera_matrix(self) -> np.ndarray:
        return np.array([[self.focal_px, 0.0, self.cx], [0.0, self.focal_px, self.cy], [0.0, 0.0, 1.0]])

    @property
    def dist_coeffs(self) -> np.ndarray:
        return np.array([self.k1, self.k2, self.p1, self.p2, self.k3])

    def distort_points(self, undistorted_px: np.ndarray) -> np.ndarray:
        """Where ideal pinhole pixels (N, 2) land in the captured image: eq. 2 applied to normalised coordinates."""
        pts = np.asarray(undistorted_px, dtype=np.float64).reshape(-1, 2)
        x = (pts[:, 0] - self.cx) / self.focal_px
        y = (pts[:, 1] - self.cy) / self.focal_px
        r2 = x * x + y * y
        radial = 1.0 + self.k1 * r2 + self.k2 * r2 * r2 + self.k3 * r2 ** 3  # eq. 2, radial factor
        xd = x * radial + 2.0 * self.p1 * x * y + self.p2 * (r2 + 2.0 * x * x)  # eq. 2, tangential terms
        yd = y * radial + self.p1 * (r2 + 2.0 * y * y) + 2.0 * self.p2 * x * y
        return np.stack([xd * self.focal_px + self.cx, yd * self.focal_px + self.cy], axis=1)

    def undistort_points(self, distorted_px: np.ndarray) -> np.ndarray:
        """Inverse of distort_points (iterative), (N, 2) -> (N, 2)."""
        pts = np.asarray(distorted_px, dtype=np.float64).reshape(-1, 1, 2)
        out = cv2.undistortPoints(pts, self.camera_matrix, self.dist_coeffs, R=None, P=self.camera_matrix,
                                  criteria=_UNDISTORT_CRITERIA)
        return out.reshape(-1, 2)

    def scene_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """For every captured (distorted) pixel, the ideal pinhole pixel it sees: float32 (height, width) maps.

        Solved per pixel: interpolating a coarse solution with cv2.remap was 0.23 px off (remap quantises its
        sampling positions to 1/32 of a cell), which is more than the calibration error it is meant to show.
        """
        grid_x, grid_y = np.meshgrid(np.arange(self.width, dtype=np.float64), np.arange(self.height, dtype=np.float64))
        ideal = self.undistort_points(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1))
        shape = (self.height, self.width)
        return ideal[:, 0].reshape(shape).astype(np.float32), ideal[:, 1].reshape(shape).astype(np.float32)
