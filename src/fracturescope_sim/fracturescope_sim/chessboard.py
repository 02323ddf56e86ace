"""Chessboard views through the line camera's lens, for calibrating the distortion correction (paper IV.B)."""

from collections.abc import Iterator

import cv2
from fracturescope_common.parameter_files import read_node_parameters
import numpy as np

from fracturescope_sim.lens_distortion import LensModel


def board_homography(lens: LensModel, rvec: np.ndarray, tvec: np.ndarray) -> np.ndarray:
    """Board plane (mm, z = 0) -> ideal pixel, for a board at pose (rvec, tvec) in the camera frame (mm)."""
    rotation, _ = cv2.Rodrigues(np.asarray(rvec, np.float64))
    return lens.camera_matrix @ np.column_stack([rotation[:, 0], rotation[:, 1], np.asarray(tvec, np.float64)])


def render_chessboard(lens: LensModel, rvec: np.ndarray, tvec: np.ndarray, inner_corners: tuple[int, int],
                      square_mm: float) -> np.ndarray:
    """Grey uint8 image of a chessboard (inner_corners = (columns, rows)) with a white margin of one square, as
    the distorted camera captures it. Square boundaries are anti-aliased analytically: along each board axis the
    pixel's coverage of the square it sits in follows from its distance (in pixels) to the nearest grid line, and
    the two axes multiply, which is exact at the inner corners that calibration measures."""
    ideal_x, ideal_y = lens.scene_coordinates()
    inverse = np.linalg.inv(board_homography(lens, rvec, tvec))
    w = inverse[2, 0] * ideal_x + inverse[2, 1] * ideal_y + inverse[2, 2]
    a = (inverse[0, 0] * ideal_x + inverse[0, 1] * ideal_y + inverse[0, 2]) / w / square_mm
    b = (inverse[1, 0] * ideal_x + inverse[1, 1] * ideal_y + inverse[1, 2]) / w / square_mm

    def smooth_sign(coord: np.ndarray) -> np.ndarray:
        gy, gx = np.gradient(coord)
        per_px = np.hypot(gx, gy) + 1e-9  # board squares per captured pixel
        distance_px = np.abs(coord - np.round(coord)) / per_px
        parity = 1.0 - 2.0 * (np.floor(coord) % 2)
        return parity * np.minimum(2.0 * distance_px, 1.0)

    cols, rows = inner_corners[0] + 1, inner_corners[1] + 1
    checker = smooth_sign(a) * smooth_sign(b)  # +1 on squares whose indices sum to an even number
    in_pattern = (a >= -1.0) & (a < cols - 1) & (b >= -1.0) & (b < rows - 1)
    on_board = (a >= -2.0) & (a < cols) & (b >= -2.0) & (b < rows)
    grey = np.where(in_pattern, 130.0 - 105.0 * checker, np.where(on_board, 235.0, 90.0))
    return np.clip(grey, 0, 255).astype(np.uint8)


def calibration_poses(count: int, seed: int, distance_mm: float = 1200.0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Board poses spread over the view and tilted up to 35 deg (what one does by hand in front of the camera)."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        tilt = np.radians(rng.uniform(-35.0, 35.0, 3) * np.array([1.0, 1.0, 0.3]))
        # Alternate centre / quadrant placements so corners reach the strongly distorted image border.
        cx, cy = [(0, 0), (-1, -1), (1, -1), (-1, 1), (1, 1), (-1, 0), (1, 0), (0, -1), (0, 1)][i % 9]
        centre = np.array([cx * 380.0, cy * 200.0, distance_mm + rng.uniform(-150.0, 150.0)])
        yield tilt, centre


def chessboard_views(lens: LensModel, count: int, seed: int, inner_corners: tuple[int, int] = (9, 6),
                     square_mm: float = 60.0) -> list[np.ndarray]:
    """`count` captured chessboard images, the board centred at each pose."""
    views = []
    half = np.array([(inner_corners[0] - 1) * square_mm / 2.0, (inner_corners[1] - 1) * square_mm / 2.0, 0.0])
    for rvec, centre in calibration_poses(count, seed):
        rotation, _ = cv2.Rodrigues(rvec)
        tvec = centre - rotation @ half  # board origin (first inner corner) placed so the board centre is `centre`
        views.append(render_chessboard(lens, rvec, tvec, inner_corners, square_mm))
    return views


def main(argv: list[str] | None = None) -> None:
    """fracturescope-line-camera-chessboards --config config/line_camera.yaml --out DIR: chessboard views of the
    simulated line camera's true lens, as PNG files for fracturescope-edge-eye-calibrate."""
    import argparse
    from pathlib import Path


    parser = argparse.ArgumentParser(prog='fracturescope-line-camera-chessboards', description=main.__doc__)
    parser.add_argument('--config', type=Path, required=True, help='line camera parameter file (lens)')
    parser.add_argument('--out', type=Path, required=True, help='folder for the PNG views')
    parser.add_argument('--count', type=int, default=16, help='number of views')
    parser.add_argument('--seed', type=int, default=3)
    args = parser.parse_args(argv)
    values = read_node_parameters(args.config, 'line_camera')['lens']
    lens = LensModel(1920, 1080, *values)
    args.out.mkdir(parents=True, exist_ok=True)
    for i, view in enumerate(chessboard_views(lens, args.count, args.seed)):
        cv2.imwrite(str(args.out / f'chessboard_{i:02d}.png'), view)
    print(f'wrote {args.count} views (9x6 inner corners, 60 mm squares) to {args.out}')
