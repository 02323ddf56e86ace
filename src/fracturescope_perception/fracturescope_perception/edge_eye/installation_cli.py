"""fracturescope-edge-eye-install: the tracker's configuration for a new line camera, from frames of the empty line.

    fracturescope-edge-eye-install empty/ --calibration config/edge_eye_calibration.yaml \\
        --bar-length-mm 3440.8 --bar-left-mm 74.8 --out config/edge_eye.yaml

Frames: image files (PNG, JPEG, ...) or folders of them, a few frames of the line with no sheet in view. The lens
calibration is fracturescope-edge-eye-calibrate's file. The scale comes from the bars' physical length (one value,
or white and black) or from a chessboard held flat on the sheet plane (--target, --target-pattern,
--target-square-mm). --bar-left-mm: where the bars' left ends are on the line (mm); edges are then reported in that
frame of reference (without it, as before: mm from the left border of the camera's unrolled view). Every value the
command does not measure is copied from --template (the configuration in use). Exit status 0 written, 1 the frames
do not show what the installation needs (the message says what), 2 usage or file error.
"""

import argparse
from pathlib import Path
import sys

import cv2
from fracturescope_common.parameter_files import read_node_parameters
import numpy as np

from fracturescope_perception.edge_eye.calibration import calibration_from_parameters
from fracturescope_perception.edge_eye.installation import (
    InstallationError,
    install,
    scale_from_target,
    summary,
    write_configuration,
)

IMAGE_SUFFIXES = {'.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.pgm', '.ppm'}


def image_paths(sources: list[Path]) -> list[Path]:
    """The image files named, and those in the folders named (sorted)."""
    paths = []
    for source in sources:
        if source.is_dir():
            paths += sorted(p for p in source.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            paths.append(source)
    return paths


def read_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f'cannot read {path} as an image')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)  # the tracker's grey (eq. 3) weighs RGB


def default_template() -> Path | None:
    try:
        from ament_index_python.packages import get_package_share_directory
        return Path(get_package_share_directory('fracturescope_bringup')) / 'config' / 'edge_eye.yaml'
    except (ImportError, LookupError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='fracturescope-edge-eye-install', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('frames', nargs='+', type=Path, help='frames of the empty line: image files or folders')
    parser.add_argument('--calibration', type=Path, required=True, help='lens calibration parameter file')
    parser.add_argument('--bar-length-mm', type=float, nargs='+', help='physical length of the bars (mm): one '
                        'value for both, or white and black')
    parser.add_argument('--target', type=Path, help='image of a chessboard held flat on the sheet plane')
    parser.add_argument('--target-pattern', default='9x6', help='its inner corners, columns x rows')
    parser.add_argument('--target-square-mm', type=float, help='side of one of its squares (mm)')
    parser.add_argument('--bar-left-mm', type=float, help="the bars' left ends on the line (mm): mm are counted "
                        'in the line\'s frame of reference')
    parser.add_argument('--roll-deg', type=float, help='camera roll when known (default: measured on the furnace)')
    parser.add_argument('--template', type=Path, default=default_template(),
                        help='configuration whose other values are kept (default: the installed edge_eye.yaml)')
    parser.add_argument('--out', type=Path, required=True, help='configuration file to write')
    args = parser.parse_args(argv)
    if (args.bar_length_mm is None) == (args.target is None):
        parser.error('give the scale either with --bar-length-mm or with --target (and --target-square-mm)')
    if args.target is not None and args.target_square_mm is None:
        parser.error('--target needs --target-square-mm')
    if args.template is None or not args.template.is_file():
        parser.error(f'template {args.template} not found: give --template config/edge_eye.yaml')
    try:
        frames = [read_rgb(p) for p in image_paths(args.frames)]
        if not frames:
            raise OSError(f'no image files in {", ".join(map(str, args.frames))}')
        params = read_node_parameters(args.calibration, 'edge_tracker')
        height, width = frames[0].shape[:2]
        calibration = calibration_from_parameters(params['camera_matrix'], params['distortion_coefficients'],
                                                  width, height, params.get('calibration_rms_px', float('nan')))
        target = read_rgb(args.target) if args.target is not None else None
        pattern = tuple(int(v) for v in args.target_pattern.lower().split('x'))
    except (OSError, KeyError, ValueError) as error:
        print(f'fracturescope-edge-eye-install: {error}', file=sys.stderr)
        return 2
    try:
        target_scale = None if target is None else \
            scale_from_target(target, calibration, pattern, args.target_square_mm)
        installation = install(frames, calibration, args.bar_length_mm, target_scale, args.bar_left_mm,
                               args.roll_deg)
        write_configuration(args.out, args.template, installation, len(frames))
    except InstallationError as error:
        print(f'fracturescope-edge-eye-install: {error}', file=sys.stderr)
        return 1
    print('\n'.join(summary(installation)))
    print(f'wrote {args.out} from {len(frames)} frame(s); the tracker reads it as its parameter file')
    return 0


def run() -> None:
    sys.exit(main())


if __name__ == '__main__':
    run()
