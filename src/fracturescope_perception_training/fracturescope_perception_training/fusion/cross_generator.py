"""Cross-generator evidence: train the tile classifier on some surface families, evaluate it on every family.

    fracturescope-cross-generator --work var/cross_generator --out benchmarks/results/cross_generator.json

Runs: each training family alone (evaluated on the others: generalisation both ways), the training families
together (evaluated on the held-out family, never trained on), the RGB-only and thermal-only ablations of that
run, and that run without the thermal background removal (each tile's median subtracted instead). Figures per
(run, evaluated family): published macro-F1, known tiles published as anomaly, closed-set macro-F1, unseen-type
AUROC. Tile sets are cached in the work folder (same seeds, same bytes).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, replace
import json
from pathlib import Path
import time

from fracturescope_sim.surfaces import FAMILIES, HELD_OUT
import torch

from fracturescope_perception_training.config_arguments import add_config_arguments
from fracturescope_perception_training.fusion.tile_dataset import TileSet, TileSetConfig, build_tile_set
from fracturescope_perception_training.fusion.tile_training import evaluate_tiles, train_tiles
from fracturescope_perception_training.fusion.train import TrainConfig

TRAINING_FAMILIES = tuple(f for f in FAMILIES if f != HELD_OUT)


@dataclass
class StudyConfig:
    train_frames: int = 3000        # frames per family and group
    val_frames: int = 500
    test_frames: int = 700
    ood_frames: int = 300
    epochs: int = 12
    lr: float = 3e-4
    patience: int = 3
    rgb_dropout: float = 0.2
    false_alarm_rate: float = 0.05
    seed: int = 2027
    single_family_runs: bool = True  # also train on each family alone (the matrix's generalisation both ways)
    workers: int = 2
    device: str = 'cpu'
    progress: bool = True


def tile_sets(work: Path, config: StudyConfig, tiles: TileSetConfig) -> dict[tuple[str, str], TileSet]:
    """Every (family, group) tile set, cached in `work` by its parameters."""
    frames = {'train': config.train_frames, 'val': config.val_frames, 'test': config.test_frames,
              'ood': config.ood_frames}
    sets = {}
    for family in FAMILIES:
        for group, count in frames.items():
            if group in ('train', 'val') and family == HELD_OUT:
                continue
            path = work / f'tiles_{family}_{group}_{count}_{config.seed}_{tiles.background_method}.npz'
            if not path.exists():
                build_tile_set([family], group, count, config.seed, tiles, config.workers,
                               config.progress).save(path)
            sets[family, group] = TileSet.load(path)
    return sets


def run_study(work: Path, config: StudyConfig, tiles: TileSetConfig, out: Path | None = None) -> dict:
    """Every run of the study; with `out`, the report so far is written there after each run."""
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    variants = {'local_median': tile_sets(work, config, tiles),
                'frame_median': tile_sets(work, config, replace(tiles, background_method='frame_median'))}
    runs = [((family,), 'fused', 'local_median') for family in TRAINING_FAMILIES] if config.single_family_runs else []
    runs += [(TRAINING_FAMILIES, modality, 'local_median') for modality in ('fused', 'rgb', 'thermal')]
    runs += [(TRAINING_FAMILIES, 'fused', 'frame_median')]
    results = []
    for families, modality, background in runs:
        sets = variants[background]
        name = '+'.join(families) + ('' if modality == 'fused' else f' ({modality} only)') + \
            ('' if background == 'local_median' else ' (no background removal)')
        train = TileSet.concatenate([sets[f, 'train'] for f in families])
        val = TileSet.concatenate([sets[f, 'val'] for f in families])
        train_config = TrainConfig(modality=modality, epochs=config.epochs, lr=config.lr, patience=config.patience,
                                   rgb_dropout=config.rgb_dropout if modality == 'fused' else 0.0,
                                   progress=config.progress, device=config.device)
        run_start = time.perf_counter()
        trained = train_tiles(train, val, work / f'run{len(results)}', train_config, config.false_alarm_rate)
        evaluations = {family: evaluate_tiles(trained, sets[family, 'test'], sets[family, 'ood'], modality)
                       for family in FAMILIES}
        results.append({'trained_on': list(families), 'modality': modality, 'background': background, 'name': name,
                         'train_tiles': int(len(train.kinds)), 'seconds': round(time.perf_counter() - run_start, 1),
                         'evaluated_on': evaluations})
        print(summary_line(results[-1]), flush=True)
        report = {'format': 'fracturescope-cross-generator/1', 'held_out': HELD_OUT, 'config': asdict(config),
                  'tiles': asdict(tiles), 'runs': results, 'seconds': round(time.perf_counter() - started, 1)}
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=1))
    return report


def summary_line(run: dict) -> str:
    cells = []
    for family, figures in run['evaluated_on'].items():
        seen = 'trained' if family in run['trained_on'] else 'unseen '
        cells.append(f"{family} ({seen}) F1 {figures['macro_f1_published']:.3f} anomaly "
                     f"{100 * figures['known_as_anomaly']:.0f}% AUROC {figures.get('unseen_auroc', float('nan')):.3f}")
    return f"{run['name']:34s} | " + ' | '.join(cells)


def build_parser() -> argparse.ArgumentParser:
    defaults = StudyConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work', type=Path, required=True, help='scratch folder: cached tile sets, checkpoints')
    parser.add_argument('--out', type=Path, required=True, help='JSON with every figure')
    add_config_arguments(parser, defaults)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = vars(build_parser().parse_args(argv))
    work, out = args.pop('work'), args.pop('out')
    torch.set_num_threads(args.pop('threads'))
    report = run_study(work, StudyConfig(**args), TileSetConfig(), out)
    print(f'{out} ({report["seconds"]:.0f} s)')


if __name__ == '__main__':
    main()
