"""Calibrate the defect detector for a site from frames of known-clean surface (see site_calibration).

    fracturescope-calibrate-site --pairs DIR --out site_calibration.yaml [--false-alarm-rate 0.05]
        [--anomaly-share 0.25] [--registration reg.yaml] [--tile-size-px 96] [--tile-overlap 0.5]
        [--min-region-tiles 2] [--tiles] [--model-card CARD] [--variant pruned_int8]

The detector must be set up as the node runs it (tiling, dense or tile by tile): the thresholds hold for that.

DIR holds clean pairs in the pair-folder layout (pair_folder.py). The detector's `site_calibration_file`
parameter names the result; the node's `~/calibrate_site` service does the same from the live cameras.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
import sys

from ament_index_python.packages import get_package_share_directory
from fracturescope_common.image_conversion import CountScale

from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception.fusion.frame_tiles import PairError, Tiling
from fracturescope_perception.fusion.pair_folder import folder_pairs
from fracturescope_perception.fusion.registration import Registration
from fracturescope_perception.fusion.site_calibration import ANOMALY_SHARE, SiteCalibrator

SHIPPED_CARD = 'models/fusion/fusion.card.json'   # in the package's share folder



def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pairs', type=Path, required=True, help='folder of clean RGB + thermal pairs')
    parser.add_argument('--out', type=Path, required=True, help='site calibration YAML to write')
    parser.add_argument('--false-alarm-rate', type=float, default=0.05, help='target share of clean frames reported')
    parser.add_argument('--anomaly-share', type=float, default=ANOMALY_SHARE,
                        help='share of that budget for the anomaly threshold; the defect threshold takes the rest')
    parser.add_argument('--model-card', type=Path, help='fusion model card (default: the installed one)')
    parser.add_argument('--variant', default='', help="card variant; '' = the card's default")
    parser.add_argument('--registration', type=Path, help='thermal -> RGB registration file')
    parser.add_argument('--tile-size-px', type=int, default=96, help='tile side in RGB pixels, as the node runs')
    parser.add_argument('--tile-overlap', type=float, default=0.5, help='tile overlap, as the node runs')
    parser.add_argument('--min-region-tiles', type=int, default=2, help='as the node runs')
    parser.add_argument('--tiles', action='store_true', help='the node runs tile by tile (dense_inference false)')
    parser.add_argument('--kelvin-per-count', type=float, default=0.01, help='16-bit thermal PNGs: K per count')
    parser.add_argument('--count-offset-c', type=float, default=-273.15, help='16-bit thermal PNGs: degC at 0')
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        registration = Registration.load(args.registration) if args.registration else None
        card = args.model_card or Path(get_package_share_directory('fracturescope_perception')) / SHIPPED_CARD
        tiling = Tiling(args.tile_size_px, args.tile_overlap, min_region_tiles=args.min_region_tiles,
                        dense=not args.tiles)
        classifier = FusionClassifier(card, args.variant, 1, tiling, registration)
        calibrator = SiteCalibrator(classifier)
        counts = CountScale(args.kelvin_per_count, args.count_offset_c)
        refused = 0
        for pair in folder_pairs(args.pairs):
            try:
                calibrator.add(*pair.read(counts))
            except PairError as error:
                refused += 1
                print(f'{pair.name}: not used ({error})', file=sys.stderr)
        thresholds = calibrator.thresholds(args.false_alarm_rate, args.anomaly_share)
    except (OSError, ValueError) as error:
        print(f'fracturescope-calibrate-site: {error}', file=sys.stderr)
        return 1
    thresholds.save(args.out)
    print(f'{args.out}: {thresholds.frames} clean frames ({refused} refused); {thresholds.summary}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
