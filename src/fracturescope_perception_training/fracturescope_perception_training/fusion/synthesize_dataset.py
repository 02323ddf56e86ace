"""Write the fused concrete data set: parallel, seeded, with a progress bar and a manifest.

    fracturescope-synthesize-concrete --out data/fusion --size 64 --train-per-class 800 --workers 2

Each split has its own generator seed, and sample i of kind k in a split is drawn from the seed triple
(split seed, kind index, i): the split is by generator seed, and the bytes do not depend on the worker count.
The manifest lists counts, seeds, every sample's hard-case variant, and a SHA-256 over every file (the
training-data hash the model card quotes).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
import hashlib
import json
from multiprocessing import get_context
from pathlib import Path

from fracturescope_sim.concrete_synthesis import CLASSES, UNSEEN_TYPES, SynthesisConfig, synthesize
from tqdm import tqdm

from fracturescope_perception_training.fusion.dataset_files import MANIFEST, encode_pair, pair_paths

SPLITS = ('train', 'val', 'test')
ALL_KINDS = CLASSES + UNSEEN_TYPES


def split_seed(base_seed: int, group: str) -> int:
    """Generator seed of one split (or of the 'ood' group): distinct per group, fixed by the base seed."""
    groups = SPLITS + ('ood',)
    return base_seed * 16 + groups.index(group) + 1


Task = tuple[str, str, int, int, SynthesisConfig, str]   # group, kind, index, group seed, config, root


def _write_one(task: Task) -> tuple[str, str, str, str, str]:
    group, kind, index, seed, config, root = task
    sample = synthesize(kind, (seed, ALL_KINDS.index(kind), index), config)
    visual, thermal = encode_pair(sample.rgb, sample.thermal)
    sample_id = f'{index:06d}'
    visual_path, thermal_path = pair_paths(Path(root), group, kind, sample_id)
    visual_path.write_bytes(visual)
    thermal_path.write_bytes(thermal)
    digest = hashlib.sha256()
    digest.update(hashlib.sha256(visual).digest())
    digest.update(hashlib.sha256(thermal).digest())
    return group, kind, sample_id, sample.variant, digest.hexdigest()


def write_dataset(root: Path, config: SynthesisConfig, counts: dict[str, int], ood_per_type: int,
                  base_seed: int, workers: int, progress: bool = True) -> dict:
    """Synthesize every split (counts: samples per class per split) and the unseen types; return the manifest."""
    root = Path(root)
    tasks: list[Task] = []
    for group in SPLITS + ('ood',):
        kinds, per_kind = (UNSEEN_TYPES, ood_per_type) if group == 'ood' else (CLASSES, counts[group])
        for kind in kinds:
            for sub in ('visual', 'thermal'):
                (root / group / kind / sub).mkdir(parents=True, exist_ok=True)
            tasks += [(group, kind, i, split_seed(base_seed, group), config, str(root)) for i in range(per_kind)]
    results: list[tuple[str, str, str, str, str]] = []
    bar = tqdm(total=len(tasks), desc='synthesizing pairs', unit='pair', disable=not progress)
    if workers <= 1:
        for task in tasks:
            results.append(_write_one(task))
            bar.update()
    else:
        with get_context('spawn').Pool(workers) as pool:
            for result in pool.imap_unordered(_write_one, tasks, chunksize=16):
                results.append(result)
                bar.update()
    bar.close()
    results.sort()
    data_hash = hashlib.sha256()
    samples: dict[str, list[list[str]]] = {group: [] for group in SPLITS + ('ood',)}
    for group, kind, sample_id, variant, digest in results:
        data_hash.update(f'{group}/{kind}/{sample_id}:{digest}\n'.encode())
        samples[group].append([kind, sample_id, variant])
    manifest = {
        'format': 'fracturescope-fusion-dataset/1',
        'classes': list(CLASSES),
        'unseen_types': list(UNSEEN_TYPES),
        'thermal_encoding': 'uint16 PNG, centikelvin: T[degC] = value / 100 - 273.15',
        'config': asdict(config),
        'base_seed': base_seed,
        'split_seeds': {group: split_seed(base_seed, group) for group in SPLITS + ('ood',)},
        'counts': {group: {kind: sum(1 for s in samples[group] if s[0] == kind)
                           for kind in (UNSEEN_TYPES if group == 'ood' else CLASSES)} for group in samples},
        'data_sha256': data_hash.hexdigest(),
        'samples': samples,
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', type=Path, required=True, help='data set folder (created)')
    parser.add_argument('--size', type=int, default=64, help='image side [px]')
    parser.add_argument('--thermal-native', type=int, default=16, help='native thermal sensor side [px]')
    parser.add_argument('--hard-fraction', type=float, default=0.3, help='share of hard cases per class [0..1]')
    parser.add_argument('--train-per-class', type=int, default=800)
    parser.add_argument('--val-per-class', type=int, default=150)
    parser.add_argument('--test-per-class', type=int, default=250)
    parser.add_argument('--ood-per-type', type=int, default=100)
    parser.add_argument('--seed', type=int, default=2026, help='base generator seed')
    parser.add_argument('--workers', type=int, default=2, help='worker processes')
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    config = SynthesisConfig(size=args.size, thermal_native=args.thermal_native, hard_fraction=args.hard_fraction)
    counts = {'train': args.train_per_class, 'val': args.val_per_class, 'test': args.test_per_class}
    manifest = write_dataset(args.out, config, counts, args.ood_per_type, args.seed, args.workers)
    print(f"wrote {args.out}: {json.dumps(manifest['counts'])}, data sha256 {manifest['data_sha256']}")


if __name__ == '__main__':
    main()
