"""Calibrate the thermal -> RGB registration of a camera rig, written where the defect detector reads it.

    fracturescope-register-cameras --points pairs.csv --rgb-size 1280x720 --thermal-size 160x120 --out reg.yaml
    fracturescope-register-cameras --views rgb1.png thermal1.png rgb2.png thermal2.png --grid 4x5 --out reg.yaml

Points: a CSV of thermal_x, thermal_y, rgb_x, rgb_y (pixel centres at integer coordinates; a header line is
skipped). Views: images of a heated circle grid (warm discs on a cooler board, visible in both cameras) at the
working distance; thermal images as 16-bit PNG in centikelvin or .npy in degC. Either way the homography is fitted
robustly (RANSAC) and its reprojection error printed; the detector's `registration_file` parameter names the result.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
import sys

import cv2
import numpy as np

from fracturescope_perception.fusion.pair_folder import read_thermal
from fracturescope_perception.fusion.registration import Registration, fit_homography

THERMAL_UPSAMPLING = 4   # blob detection on a 160 x 120 frame is more reliable on a 4x larger image


def read_points(path: Path) -> tuple[np.ndarray, np.ndarray]:
    rows = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        fields = [f.strip() for f in line.split(',')]
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        try:
            rows.append([float(f) for f in fields])
        except ValueError:
            if not rows:
                continue   # header
            raise ValueError(f'{path}:{number}: not four numbers: {line!r}') from None
        if len(rows[-1]) != 4:
            raise ValueError(f'{path}:{number}: expected thermal_x, thermal_y, rgb_x, rgb_y, got {line!r}')
    points = np.array(rows, np.float64).reshape(-1, 4)
    return points[:, :2], points[:, 2:]


def _warm_blob_detector() -> cv2.SimpleBlobDetector:
    params = cv2.SimpleBlobDetector_Params()
    params.blobColor = 255
    params.minArea, params.maxArea = 20, 1e6
    params.filterByCircularity, params.minCircularity = True, 0.6
    params.filterByInertia = params.filterByConvexity = False
    return cv2.SimpleBlobDetector_create(params)


def find_grid(image: np.ndarray, grid: tuple[int, int], warm: bool) -> np.ndarray | None:
    """Centres (cols x rows, row by row) of a symmetric circle grid in a grey / temperature image, or None."""
    x = np.asarray(image, np.float32)
    lo, hi = np.percentile(x, (1, 99))
    grey = np.clip((x - lo) / max(hi - lo, 1e-6) * 255, 0, 255).astype(np.uint8)
    if not warm:
        grey = 255 - grey
    found, centres = cv2.findCirclesGrid(grey, grid, flags=cv2.CALIB_CB_SYMMETRIC_GRID,
                                         blobDetector=_warm_blob_detector())
    return centres.reshape(-1, 2).astype(np.float64) if found else None


def grid_correspondences(rgb: np.ndarray, thermal_c: np.ndarray, grid: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """(thermal points, RGB points) of one view of the heated grid (dark discs in RGB, warm in thermal)."""
    big = cv2.resize(thermal_c, None, fx=THERMAL_UPSAMPLING, fy=THERMAL_UPSAMPLING, interpolation=cv2.INTER_CUBIC)
    thermal = find_grid(big, grid, warm=True)
    visible = find_grid(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb, grid, warm=False)
    if thermal is None or visible is None:
        missing = ' and '.join(n for n, p in (('thermal', thermal), ('RGB', visible)) if p is None)
        raise ValueError(f'circle grid {grid[0]}x{grid[1]} not found in the {missing} image')
    return (thermal + 0.5) / THERMAL_UPSAMPLING - 0.5, visible


def _size(text: str) -> tuple[int, int]:
    width, height = text.lower().split('x')
    return int(width), int(height)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--points', type=Path, help='CSV of thermal_x, thermal_y, rgb_x, rgb_y [px]')
    source.add_argument('--views', type=Path, nargs='+', help='RGB image, thermal image, for each view of the grid')
    parser.add_argument('--grid', type=_size, default=(4, 5), help='circles per row x per column (4x5)')
    parser.add_argument('--rgb-size', type=_size, help='RGB image size WxH [px] (with --points)')
    parser.add_argument('--thermal-size', type=_size, help='thermal image size WxH [px] (with --points)')
    parser.add_argument('--out', type=Path, required=True, help='registration YAML to write')
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.points:
            if not (args.rgb_size and args.thermal_size):
                raise ValueError('--points needs --rgb-size and --thermal-size')
            thermal_points, rgb_points = read_points(args.points)
            rgb_size, thermal_size = args.rgb_size, args.thermal_size
        else:
            if len(args.views) % 2:
                raise ValueError('--views takes pairs: RGB image, thermal image')
            pairs = []
            for rgb_path, thermal_path in zip(args.views[::2], args.views[1::2], strict=True):
                rgb = cv2.imread(str(rgb_path), cv2.IMREAD_COLOR)
                if rgb is None:
                    raise ValueError(f'{rgb_path}: not an image')
                thermal = read_thermal(thermal_path)
                pairs.append(grid_correspondences(rgb[..., ::-1], thermal, args.grid))
            thermal_points = np.concatenate([p[0] for p in pairs])
            rgb_points = np.concatenate([p[1] for p in pairs])
            rgb_size, thermal_size = (rgb.shape[1], rgb.shape[0]), (thermal.shape[1], thermal.shape[0])
        h, rms, inliers = fit_homography(thermal_points, rgb_points)
    except (OSError, ValueError) as error:
        print(f'fracturescope-register-cameras: {error}', file=sys.stderr)
        return 1
    registration = Registration(h, tuple(rgb_size), tuple(thermal_size), rms)
    registration.save(args.out, f'thermal -> RGB registration by fracturescope-register-cameras: {int(inliers.sum())} '
                                f'of {len(inliers)} points, RMS {rms:.2f} RGB px')
    print(f'{args.out}: {int(inliers.sum())} of {len(inliers)} point pairs used, RMS reprojection error {rms:.2f} px')
    return 0


if __name__ == '__main__':
    sys.exit(main())
