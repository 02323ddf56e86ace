"""Chessboard calibration of the line camera (paper IV.B steps 1-4) and the CLI that writes it into config.

    fracturescope-edge-eye-calibrate views/*.png --pattern 9x6 --square-mm 60 --out config/edge_eye_calibration.yaml

The output is a ROS 2 parameter file for the edge tracker node (camera_matrix, distortion_coefficients), which
launch/edge_eye.launch.xml loads after config/edge_eye.yaml.
"""

import argparse
from collections.abc import Sequence
from pathlib import Path
import sys

import cv2
from fracturescope_common.parameter_files import node_key, read_node_parameters
import numpy as np
import yaml

from fracturescope_perception.edge_eye.distortion_correction import Calibration

_SUBPIX = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_COUNT, 60, 1e-4)


class CalibrationError(RuntimeError):
    pass


def find_corners(image: np.ndarray, pattern: tuple[int, int]) -> np.ndarray | None:
    """Inner corners (N, 1, 2) of a chessboard view, refined to sub-pixel (step 2), or None."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found, corners = cv2.findChessboardCorners(grey, pattern)
    if not found:
        return None
    return cv2.cornerSubPix(grey, corners, (5, 5), (-1, -1), _SUBPIX)


def calibrate(images: Sequence[np.ndarray], pattern: tuple[int, int], square_mm: float,
              min_views: int = 6) -> Calibration:
    """Camera matrix and k1, k2, p1, p2, k3 from chessboard views (steps 1-4 of paper IV.B)."""
    board = np.zeros((pattern[0] * pattern[1], 3), np.float32)
    board[:, :2] = np.mgrid[0:pattern[0], 0:pattern[1]].T.reshape(-1, 2) * square_mm  # step 3: world points
    image_points = [c for c in (find_corners(im, pattern) for im in images) if c is not None]
    if len(image_points) < min_views:
        raise CalibrationError(f'chessboard found in {len(image_points)} of {len(images)} views; need {min_views}')
    height, width = images[0].shape[:2]
    rms, k, dist, _, _ = cv2.calibrateCamera([board] * len(image_points), image_points, (width, height),
                                             None, None)  # step 4
    return Calibration(k, dist.ravel()[:5], width, height, float(rms))


def calibration_parameters(calibration: Calibration) -> dict[str, list[float] | float]:
    return {'camera_matrix': [float(v) for v in calibration.camera_matrix.ravel()],
            'distortion_coefficients': [float(v) for v in calibration.dist_coeffs],
            'calibration_rms_px': float(calibration.rms_px)}


def write_parameter_file(path: Path, calibration: Calibration, node_name: str = 'edge_tracker') -> None:
    header = ('# Line-camera calibration (written by fracturescope-edge-eye-calibrate; do not edit by hand).\n'
              '# camera_matrix: row-major 3x3 [px]; distortion_coefficients: k1, k2, p1, p2, k3 [1];\n'
              '# calibration_rms_px: chessboard reprojection error [px].\n')
    body = yaml.safe_dump({node_key(node_name): {'ros__parameters': calibration_parameters(calibration)}},
                          default_flow_style=None, sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body)


def read_parameter_file(path: Path, node_name: str = 'edge_tracker') -> Calibration:
    params = read_node_parameters(path, node_name)
    return calibration_from_parameters(params['camera_matrix'], params['distortion_coefficients'], 1920, 1080,
                                       params.get('calibration_rms_px', float('nan')))


def calibration_from_parameters(camera_matrix: Sequence[float], distortion: Sequence[float], width: int,
                                height: int, rms_px: float = float('nan')) -> Calibration:
    if len(camera_matrix) != 9 or len(distortion) != 5:
        raise ValueError('camera_matrix needs 9 values (row-major 3x3) and distortion_coefficients 5 (k1 k2 p1 p2 k3)')
    return Calibration(np.array(camera_matrix, np.float64).reshape(3, 3), np.array(distortion, np.float64),
                       width, height, rms_px)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog='fracturescope-edge-eye-calibrate', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('images', nargs='+', type=Path, help='chessboard views (PNG/JPEG) from the line camera')
    parser.add_argument('--pattern', default='9x6', help='inner corners, columns x rows')
    parser.add_argument('--square-mm', type=float, required=True, help='side of one square (mm)')
    parser.add_argument('--out', type=Path, required=True, help='parameter file to write')
    args = parser.parse_args(argv)
    pattern = tuple(int(v) for v in args.pattern.lower().split('x'))
    images = []
    for path in args.images:
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            sys.exit(f'cannot read {path}')
        images.append(image)
    try:
        calibration = calibrate(images, pattern, args.square_mm)
    except CalibrationError as error:
        sys.exit(str(error))
    write_parameter_file(args.out, calibration)
    k, d = calibration.camera_matrix, calibration.dist_coeffs
    print(f'{len(images)} views, reprojection RMS {calibration.rms_px:.3f} px; f = {k[0, 0]:.1f} px, '
          f'centre ({k[0, 2]:.1f}, {k[1, 2]:.1f}); k1 k2 p1 p2 k3 = {np.array2string(d, precision=5)}; '
          f'wrote {args.out}')


if __name__ == '__main__':
    main()
