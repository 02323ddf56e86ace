"""Train or fine-tune the fusion model on your own labelled camera pairs.

    fracturescope-train-fusion --data DIR --models OUT [--init var/fusion/fused/best_loss.pt] [--tile-size-px 160]

DIR holds train/, val/ and test/ folders in the pair-folder layout (fracturescope_perception.fusion.pair_folder):
`<name>.rgb.png`, `<name>.thermal.png` (16-bit counts) or `.thermal.npy` (degC), and `<name>.json` with the frame's
regions ({"regions": [{"label": "crack", "box": [x0, y0, x1, y1]}]}, [] for a clean frame); optionally
DIR/registration.yaml (fracturescope-register-cameras) when the thermal camera has another view. Frames are cut
into tiles by the detector's own code; a tile takes the label whose boxes cover enough of it. The card written to
OUT records the folder and the hash of the tiles that built the model.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, fields
import hashlib
from pathlib import Path

from fracturescope_common.image_conversion import CountScale
from fracturescope_perception.fusion.frame_tiles import FrameTiler, Tiling
from fracturescope_perception.fusion.pair_folder import folder_pairs
from fracturescope_perception.fusion.registration import Registration
from fracturescope_sim.surfaces.frame import CLASSES, KINDS
import numpy as np
import torch

from fracturescope_perception_training.fusion.build_model import BuildConfig, TrainingData, build
from fracturescope_perception_training.fusion.tile_dataset import TileSet, TileSetConfig, tile_kind

GROUPS = ('train', 'val', 'test')


def folder_tile_set(folder: Path, tiles: TileSetConfig, registration: Registration | None,
                    counts: CountScale) -> TileSet:
    """Every tile of every labelled pair in `folder` that a label covers enough of, or that no box touches."""
    tiler = FrameTiler(tiles.size, tiles.background(), Tiling(tiles.tile_px, overlap=0.5, min_tile_seen=0.9),
                       registration)
    rgb_tiles, contrast, kinds, frames = [], [], [], []
    for index, pair in enumerate(folder_pairs(folder)):
        if pair.regions is None:
            raise ValueError(f'{pair.rgb_path}: no {pair.name}.json with its regions (use "regions": [] when clean)')
        unknown = {r.label for r in pair.regions} - set(CLASSES) - {'none'}
        if unknown:
            raise ValueError(f'{pair.name}.json: labels {sorted(unknown)} are not among {CLASSES}')
        rgb, thermal = pair.read(counts)
        label_map = np.zeros(rgb.shape[:2], np.uint8)
        for region in sorted(pair.regions, key=lambda r: -(r.box[2] - r.box[0]) * (r.box[3] - r.box[1])):
            x0, y0, x1, y1 = region.box
            label_map[max(0, y0):y1, max(0, x0):x1] = KINDS.index(region.label)
        batch = tiler.tiles(rgb, thermal)
        for i, (x0, y0, x1, y1) in enumerate(batch.boxes):
            counts_by_kind = np.bincount(label_map[y0:y1, x0:x1].ravel(), minlength=len(KINDS))
            kind = tile_kind(counts_by_kind, (x1 - x0) * (y1 - y0), tiles)
            if kind is not None:
                rgb_tiles.append(batch.rgb[i])
                contrast.append(batch.thermal_contrast_k[i].astype(np.float16))
                kinds.append(kind)
                frames.append(index)
    if not kinds:
        raise ValueError(f'{folder}: no labelled tiles')
    return TileSet(np.stack(rgb_tiles), np.stack(contrast), np.array(kinds), np.array(['own'] * len(kinds)),
                   np.array([''] * len(kinds)), np.array(frames, np.int64))


def own_data(root: Path, tiles: TileSetConfig, counts: CountScale) -> TrainingData:
    registration_file = root / 'registration.yaml'
    registration = Registration.load(registration_file) if registration_file.exists() else None
    sets = {('own', group): folder_tile_set(root / group, tiles, registration, counts) for group in GROUPS}
    digest = hashlib.sha256(b''.join(bytes.fromhex(sets['own', g].sha256()) for g in GROUPS)).hexdigest()
    return TrainingData(sets, ('own',), '', {
        'own_data': str(root), 'own_data_sha256': digest, 'registration': registration is not None,
        'tiles_per_group': {g: int(len(sets['own', g].kinds)) for g in GROUPS}})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', type=Path, required=True, help='folder with train/, val/, test/ pair folders')
    parser.add_argument('--models', type=Path, required=True, help='where the ONNX files and the card go')
    parser.add_argument('--work', type=Path, default=Path('var/fusion_own'), help='scratch folder')
    parser.add_argument('--init', type=Path, help='checkpoint to fine-tune (make model: var/fusion/fused/best_loss.pt)')
    parser.add_argument('--tile-size-px', type=int, default=96, help='tile side in RGB pixels, as the node will run')
    parser.add_argument('--kelvin-per-count', type=float, default=0.01, help='16-bit thermal PNGs: K per count')
    parser.add_argument('--count-offset-c', type=float, default=-273.15, help='16-bit thermal PNGs: degC at 0')
    defaults = BuildConfig()
    for name in ('epochs', 'finetune_epochs', 'patience', 'rgb_dropout', 'false_alarm_rate', 'device'):
        parser.add_argument('--' + name.replace('_', '-'), type=type(getattr(defaults, name)),
                            default=getattr(defaults, name))
    parser.add_argument('--threads', type=int, default=2, help='torch intra-op threads')
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    options = {f.name: getattr(args, f.name) for f in fields(BuildConfig) if hasattr(args, f.name)}
    config = BuildConfig(**{**options, 'tile_px': args.tile_size_px, 'reference_frames': 10**6})
    data = own_data(args.data, TileSetConfig(size=config.size, tile_px=config.tile_px),
                    CountScale(args.kelvin_per_count, args.count_offset_c))
    card = build(args.work, args.models, config, data, args.init)
    figures = card['variants'][card['default_variant']]['metrics_test']['own']
    print(f"{args.models}: {card['name']}@{card['version']}, trained on {data.description['tiles_per_group']} tiles "
          f"({asdict(config)['epochs']} epochs max); test macro-F1 {figures['macro_f1_published']:.3f}, "
          f"known tiles called anomaly {100 * figures['known_as_anomaly']:.1f} %")


if __name__ == '__main__':
    main()
