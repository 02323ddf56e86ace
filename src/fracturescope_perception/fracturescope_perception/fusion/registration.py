"""Registration of the thermal camera to the RGB camera: a planar homography at the working distance.

Two cameras of different resolution, aspect ratio, field of view and mounting offset see the inspected surface
(a plane at the working distance) related by one 3x3 homography H: RGB pixel ~ H @ thermal pixel (homogeneous,
pixel centres at integer coordinates). It is calibrated once per rig (`fracturescope-register-cameras`) for
fixed image sizes; the same cameras at another resolution of the same aspect ratio (binning) rescale it.
Without a calibration the two images are taken to show the same field of view.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from pathlib import Path

import cv2
import numpy as np
import yaml

# The same camera mode at another resolution keeps its aspect ratio; further apart than this is another view.
MAX_ASPECT_CHANGE = 0.02

Size = tuple[int, int]   # (width, height) [px]


class RegistrationError(ValueError):
    """Images that this registration cannot relate (another camera mode, or no overlap)."""


def pixel_scale(from_size: Size, to_size: Size) -> np.ndarray:
    """Homography between two resolutions of one view, pixel-centre exact: x' = (x + 0.5) * s - 0.5."""
    sx, sy = to_size[0] / from_size[0], to_size[1] / from_size[1]
    return np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5], [0.0, 0.0, 1.0]])


def aspect_changed(a: Size, b: Size) -> bool:
    """Whether two image sizes differ in aspect ratio by more than MAX_ASPECT_CHANGE."""
    return abs((a[0] / a[1]) / (b[0] / b[1]) - 1.0) > MAX_ASPECT_CHANGE


@dataclass(frozen=True)
class Registration:
    thermal_to_rgb: np.ndarray        # 3 x 3 homography, thermal px -> RGB px, for the sizes below
    rgb_size: Size                    # RGB image size it was calibrated for (width, height) [px]
    thermal_size: Size                # thermal image size it was calibrated for [px]
    rms_error_px: float = math.nan    # reprojection error of the calibration, in RGB px

    @staticmethod
    def same_view(rgb_size: Size, thermal_size: Size) -> Registration:
        return Registration(pixel_scale(thermal_size, rgb_size), tuple(rgb_size), tuple(thermal_size))

    @staticmethod
    def from_parameters(homography: list[float], rgb_size: list[int], thermal_size: list[int]) -> Registration | None:
        """From node parameters; None (same field of view) when the homography is empty."""
        if not homography:
            return None
        if len(homography) != 9 or len(rgb_size) != 2 or len(thermal_size) != 2:
            raise ValueError('registration needs 9 homography entries and (width, height) of both images, got '
                             f'{len(homography)}, {list(rgb_size)}, {list(thermal_size)}')
        h = np.asarray(homography, np.float64).reshape(3, 3)
        if not np.isfinite(h).all() or abs(np.linalg.det(h)) < 1e-12:
            raise ValueError(f'registration homography is not invertible: {homography}')
        return Registration(h / h[2, 2], (int(rgb_size[0]), int(rgb_size[1])),
                            (int(thermal_size[0]), int(thermal_size[1])))

    def save(self, path: Path, comment: str = '') -> None:
        """A YAML file the detector reads (its `registration_file` parameter)."""
        values = {'thermal_to_rgb': [float(v) for v in self.thermal_to_rgb.ravel()],
                  'rgb_size': list(self.rgb_size), 'thermal_size': list(self.thermal_size),
                  'rms_error_px': None if math.isnan(self.rms_error_px) else float(self.rms_error_px)}
        header = ''.join(f'# {line}\n' for line in comment.splitlines())
        Path(path).write_text(header + yaml.safe_dump(values, sort_keys=False))

    @staticmethod
    def load(path: Path) -> Registration:
        values = yaml.safe_load(Path(path).read_text()) or {}
        try:
            registration = Registration.from_parameters(values['thermal_to_rgb'], values['rgb_size'],
                                                        values['thermal_size'])
        except KeyError as missing:
            raise ValueError(f'{path}: no {missing} (write it with fracturescope-register-cameras)') from None
        if registration is None:
            raise ValueError(f'{path}: empty homography')
        rms = values.get('rms_error_px')
        return Registration(registration.thermal_to_rgb, registration.rgb_size, registration.thermal_size,
                            math.nan if rms is None else float(rms))

    def for_sizes(self, rgb_size: Size, thermal_size: Size) -> np.ndarray:
        """The homography for images of these sizes (the calibrated cameras at another resolution)."""
        for name, actual, calibrated in (('RGB', rgb_size, self.rgb_size),
                                         ('thermal', thermal_size, self.thermal_size)):
            if aspect_changed(actual, calibrated):
                raise RegistrationError(f'{name} image {actual[0]}x{actual[1]} is not the calibrated view '
                                        f'{calibrated[0]}x{calibrated[1]}: recalibrate the camera registration')
        return pixel_scale(self.rgb_size, rgb_size) @ self.thermal_to_rgb @ pixel_scale(thermal_size,
                                                                                          self.thermal_size)


def thermal_on_rgb_grid(thermal_c: np.ndarray, thermal_to_grid: np.ndarray, grid_size: Size) -> np.ndarray:
    """The thermal frame resampled onto a grid of the RGB view (bilinear); NaN where the thermal camera sees
    nothing of it. A sensor pixel covers +-0.5 px around its centre, so the outer half pixel still counts as seen."""
    thermal = np.asarray(thermal_c, np.float32)
    warped = cv2.warpPerspective(thermal, thermal_to_grid, tuple(grid_size), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REPLICATE)
    w, h = grid_size
    grid = np.stack(np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64)), axis=-1)
    source = cv2.perspectiveTransform(grid.reshape(1, -1, 2), np.linalg.inv(thermal_to_grid)).reshape(h, w, 2)
    seen = ((source[..., 0] >= -0.5) & (source[..., 0] <= thermal.shape[1] - 0.5)
            & (source[..., 1] >= -0.5) & (source[..., 1] <= thermal.shape[0] - 0.5))
    warped[~seen] = np.nan
    return warped


def overlap_box(valid: np.ndarray) -> tuple[int, int, int, int] | None:
    """x0, y0, x1, y1 (end exclusive) of the valid pixels, None when there are none."""
    rows, cols = np.flatnonzero(valid.any(axis=1)), np.flatnonzero(valid.any(axis=0))
    if not len(rows):
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def fit_homography(thermal_points: np.ndarray, rgb_points: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """H (thermal -> RGB) from >= 4 point correspondences, robust to outliers (RANSAC, 3 px); returns
    (H, RMS reprojection error of the inliers in RGB px, inlier mask)."""
    src = np.asarray(thermal_points, np.float64).reshape(-1, 2)
    dst = np.asarray(rgb_points, np.float64).reshape(-1, 2)
    if len(src) != len(dst) or len(src) < 4:
        raise ValueError(f'need at least 4 point pairs, got {len(src)} thermal and {len(dst)} RGB points')
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    if h is None:
        raise ValueError('the points do not determine a homography (collinear or inconsistent)')
    inliers = mask.ravel().astype(bool)
    projected = cv2.perspectiveTransform(src[inliers][None], h)[0]
    rms = float(np.sqrt(np.mean(np.sum((projected - dst[inliers]) ** 2, axis=1))))
    return h / h[2, 2], rms, inliers
