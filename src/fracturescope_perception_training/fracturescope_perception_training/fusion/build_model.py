"""One command from nothing to the shipped fusion model: tiles of synthesized frames -> training -> anomaly
calibration -> compression -> ONNX FP32 / INT8 / pruned INT8 -> model card.

    fracturescope-build-fusion-model --work var/fusion --models src/fracturescope_perception/models/fusion

Training tiles come from the training surface families only; every figure is measured per family on test tiles,
the held-out family (never trained on) included, through the ONNX file it describes, and the anomaly thresholds are
calibrated on validation tiles through that very file, so the card tells the truth about what the node runs.
"""

from __future__ import annotations

import argparse
import copy
from dataclasses import asdict, dataclass
import hashlib
import json
from pathlib import Path
import shutil
import time

from fracturescope_perception.fusion.classifier import FusionClassifier, onnx_session, run_onnx
from fracturescope_perception.fusion.ood_metrics import anomaly_score, calibrate
from fracturescope_perception.fusion.preprocessing import MODALITY_CHANNELS, Normalisation
from fracturescope_sim.surfaces import FAMILIES, HELD_OUT
from fracturescope_sim.surfaces.frame import CLASSES
import numpy as np
import torch

from fracturescope_perception_training.config_arguments import add_config_arguments
from fracturescope_perception_training.fusion.anomaly import ScoredClassifier
from fracturescope_perception_training.fusion.compression import (
    export_onnx,
    l1_unstructured_prune,
    quantize_int8,
    state_dict_sizes,
    structured_prune,
)
from fracturescope_perception_training.fusion.dense_head import CARD_FILE, add_dense_files
from fracturescope_perception_training.fusion.frame_evaluation import (
    FrameSetConfig,
    evaluate_frames,
    site_calibration_figures,
)
from fracturescope_perception_training.fusion.tile_dataset import TileSet, TileSetConfig, build_tile_set
from fracturescope_perception_training.fusion.tile_training import (
    evaluate_tiles,
    published_figures,
    tile_inputs,
    train_tiles,
)
from fracturescope_perception_training.fusion.train import TrainConfig, load_checkpoint

REFERENCE_FILE = 'fusion_fp32_reference.npz'
VARIANTS = ('fp32', 'int8', 'pruned_int8')
TRAINING_FAMILIES = tuple(f for f in FAMILIES if f != HELD_OUT)


@dataclass
class BuildConfig:
    size: int = 64                  # network input side [px]
    tile_px: int = 96               # training tile side in rendered frame pixels [px]
    train_frames: int = 2000        # frames per training family
    val_frames: int = 400
    test_frames: int = 400          # per family, the held-out one included
    ood_frames: int = 150           # frames of unseen defect types per family
    data_seed: int = 2026
    epochs: int = 12
    lr: float = 3e-4                # Adam learning rate
    finetune_epochs: int = 5
    patience: int = 3
    rgb_dropout: float = 0.2        # fused training: share of samples with RGB blanked (see augmentation)
    thermal_scale_k: float = 1.0    # thermal contrast scale [K]
    l1_amount: float = 0.3          # share of weights zeroed by L1 unstructured pruning (the seed's 30 %)
    keep_ratio: float = 0.5         # share of each block's inner channels kept by structured pruning
    false_alarm_rate: float = 0.05  # calibrated share of known-class validation tiles flagged as anomalies
    calibration_tiles: int = 1000   # validation tiles for INT8 calibration
    reference_frames: int = 60      # held-out test frames whose FP32 predictions ship for the INT8 agreement test
    frames: int = 100               # whole 1280 x 720 frames of the held-out family scored through the detector
    site_frames: int = 60           # clean held-out frames the site calibration figures calibrate on
    workers: int = 2
    device: str = 'cpu'
    progress: bool = True


def model_version(models: Path, files: list[str]) -> str:
    """The card's version: a SHA-256 prefix over the variant files, so a retrained model never shares the id of
    another (the ledger's blocks name it) while a bit-identical rebuild keeps it."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(hashlib.sha256((models / name).read_bytes()).digest())
    return digest.hexdigest()[:8]


def _tile_sets(config: BuildConfig, tiles: TileSetConfig) -> dict[tuple[str, str], TileSet]:
    frames = {'train': config.train_frames, 'val': config.val_frames, 'test': config.test_frames,
              'ood': config.ood_frames}
    return {(family, group): build_tile_set([family], group, count, config.data_seed, tiles, config.workers,
                                            config.progress)
            for family in FAMILIES for group, count in frames.items()
            if not (family == HELD_OUT and group in ('train', 'val'))}


def _onnx_figures(path: Path, inputs: dict[str, np.ndarray], sets: dict[tuple[str, str], TileSet],
                  false_alarm_rate: float) -> tuple[dict, dict]:
    """Per source figures of one ONNX file and its anomaly calibration (on the validation tiles' outputs)."""
    session = onnx_session(path, 2)
    outputs = {key: run_onnx(session, x) for key, x in inputs.items()}
    calibration = calibrate(outputs['val'][1], false_alarm_rate)
    figures = {}
    for source in sorted({s for s, g in sets if g == 'test'}):
        logits, distance = outputs[f'test/{source}']
        scores = anomaly_score(distance, calibration.reference_distance)
        ood = anomaly_score(outputs[f'ood/{source}'][1], calibration.reference_distance) \
            if f'ood/{source}' in outputs else None
        figures[source] = published_figures(logits, scores, calibration.threshold,
                                            sets[source, 'test'].labels(), ood)
    anomaly = {'reference_distance': calibration.reference_distance, 'threshold': calibration.threshold}
    return figures, {'predicted': outputs['reference'][0].argmax(1), **anomaly}


@dataclass
class TrainingData:
    """Tile sets by (source, group); sources are surface families or 'own' (a folder of real pairs)."""

    sets: dict[tuple[str, str], TileSet]
    training_sources: tuple[str, ...]
    held_out: str                   # the test source never trained on ('' when there is none)
    description: dict               # what the card records about the data

    @property
    def test_sources(self) -> list[str]:
        return sorted({s for s, g in self.sets if g == 'test'})


def synthesized_data(config: BuildConfig, tiles: TileSetConfig) -> TrainingData:
    return TrainingData(_tile_sets(config, tiles), TRAINING_FAMILIES, HELD_OUT,
                        {'families': list(TRAINING_FAMILIES), 'held_out_family': HELD_OUT})


def build(work: Path, models: Path, config: BuildConfig, data: TrainingData | None = None,
          init: Path | None = None) -> dict:
    """Train on `data` (default: the synthesized surface families), from scratch or, with `init` (a checkpoint such
    as var/fusion/fused/best_loss.pt), fine-tuning that network with its normalisation."""
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    tiles = TileSetConfig(size=config.size, tile_px=config.tile_px)
    data = data or synthesized_data(config, tiles)
    sets = data.sets
    train = TileSet.concatenate([sets[s, 'train'] for s in data.training_sources])
    val = TileSet.concatenate([sets[s, 'val'] for s in data.training_sources])
    train_config = TrainConfig(epochs=config.epochs, lr=config.lr, patience=config.patience,
                               rgb_dropout=config.rgb_dropout,
                               thermal_scale_k=config.thermal_scale_k, progress=config.progress,
                               device=config.device)
    model, norm = None, None
    if init is not None:
        model, checkpoint = load_checkpoint(init)
        norm = Normalisation.from_dict(checkpoint['normalisation'])
    fused = train_tiles(train, val, work / 'fused', train_config, config.false_alarm_rate, model=model, norm=norm)
    norm = fused.norm
    torch_figures = {source: evaluate_tiles(fused, sets[source, 'test'], sets.get((source, 'ood')), 'fused')
                     for source in data.test_sources}

    # L1 unstructured pruning: what it buys (weights, compressibility, accuracy); not shipped
    sparse = copy.deepcopy(fused)
    sparsity = l1_unstructured_prune(sparse.model, config.l1_amount)
    dense_sizes, sparse_sizes = state_dict_sizes(fused.model), state_dict_sizes(sparse.model)
    l1 = {'amount': config.l1_amount, 'sparsity': sparsity,
          'macro_f1_published_held_out_without_finetuning':
              evaluate_tiles(sparse, sets[data.test_sources[0] if not data.held_out else data.held_out, 'test'],
                             None, 'fused')['macro_f1_published'],
          'weights_bytes_dense': dense_sizes[0], 'weights_bytes_sparse': sparse_sizes[0],
          'zlib_bytes_dense': dense_sizes[1], 'zlib_bytes_sparse': sparse_sizes[1],
          'note': 'same tensor shapes: a dense runtime multiplies the zeros, so latency and file size are unchanged'}

    # structured pruning + fine-tuning
    finetune = TrainConfig(**{**asdict(train_config), 'epochs': config.finetune_epochs})
    pruned = train_tiles(train, val, work / 'pruned', finetune, config.false_alarm_rate,
                         model=structured_prune(fused.model, config.keep_ratio), norm=norm)

    # export, quantize, measure each file
    for name, trained in (('fp32', fused), ('pruned_fp32', pruned)):
        export_onnx(ScoredClassifier(trained.model, trained.gaussians), work / f'{name}.onnx',
                    MODALITY_CHANNELS['fused'], config.size)
    as_input = {'val': tile_inputs(val, norm, 'fused').numpy(),
                **{f'{g}/{s}': tile_inputs(t, norm, 'fused').numpy() for (s, g), t in sets.items()
                   if g in ('test', 'ood')}}
    reference_source = data.held_out or data.test_sources[0]
    reference = sets[reference_source, 'test'].subset(sets[reference_source, 'test'].frames < config.reference_frames)
    as_input['reference'] = tile_inputs(reference, norm, 'fused').numpy()
    quantize_int8(work / 'fp32.onnx', work / 'int8.onnx', as_input['val'][:config.calibration_tiles])
    quantize_int8(work / 'pruned_fp32.onnx', work / 'pruned_int8.onnx', as_input['val'][:config.calibration_tiles])
    variants, fp32_predicted = {}, None
    models.mkdir(parents=True, exist_ok=True)
    for name in VARIANTS:
        figures, extra = _onnx_figures(work / f'{name}.onnx', as_input, sets, config.false_alarm_rate)
        fp32_predicted = extra['predicted'] if fp32_predicted is None else fp32_predicted
        file_name = f'fusion_{name}.onnx'
        shutil.copyfile(work / f'{name}.onnx', models / file_name)
        variants[name] = {'file': file_name, 'anomaly_reference_distance': extra['reference_distance'],
                          'anomaly_threshold': extra['threshold'], 'file_bytes': (models / file_name).stat().st_size,
                          'reference_agreement_with_fp32': float(np.mean(extra['predicted'] == fp32_predicted)),
                          'metrics_test': figures}
    np.savez(models / REFERENCE_FILE, family=reference_source, group='test', data_seed=config.data_seed,
             frames=config.reference_frames, fp32_predicted=fp32_predicted)
    card = {
        'format': 'fracturescope-model-card/2',
        'name': 'fusion-resnet18',
        'version': model_version(models, [variants[name]['file'] for name in VARIANTS]),
        'task': 'classify fused RGB + thermal tiles of a concrete surface; flag defect types never seen',
        'classes': list(CLASSES),
        'anomaly_label': 'anomaly',
        'input': {'name': 'pair', 'layout': 'N x C x H x W float32', 'size': config.size,
                  'channels': ['red', 'green', 'blue', 'thermal_contrast']},
        'normalisation': {**norm.to_dict(),
                          'thermal_background': {'method': 'local_median', 'cell_px': tiles.background_cell_px,
                                                 'window_cells': tiles.background_window_cells},
                          'rgb': '(value / 255 - rgb_mean) / rgb_std per channel',
                          'thermal': '(T[degC] - smooth background) / thermal_scale_k (frame_tiles.FrameTiler)'},
        'tiling': {'training_tile_px': config.tile_px, 'training_mm_per_px': list(tiles.mm_per_px),
                   'note': 'node parameter tile_size_px: a tile should cover roughly '
                           f'{config.tile_px * tiles.mm_per_px[0]:.0f}-{config.tile_px * tiles.mm_per_px[1]:.0f} mm'},
        'outputs': {'logits': 'N x classes, softmax gives the class probabilities',
                    'ood_distance': 'N, summed multi-layer Mahalanobis distance (unitless)'},
        'anomaly_score': 'score = 1 - exp(-ln 2 * ood_distance / anomaly_reference_distance); '
                         'anomaly when score > anomaly_threshold',
        'anomaly_false_alarm_rate_val': config.false_alarm_rate,
        'default_variant': 'pruned_int8',
        'variants': variants,
        'training': {**data.description, 'fine_tuned_from': str(init) if init else None,
                     'data_sha256': train.sha256(), 'train_tiles': int(len(train.kinds)),
                     'tiles_per_class': {c: int(np.sum(train.kinds == c)) for c in CLASSES},
                     'tile_set': asdict(tiles), 'build': asdict(config),
                     'optimiser': 'Adam', 'lr': train_config.lr, 'batch_size': train_config.batch_size,
                     'structured_keep_ratio': config.keep_ratio, 'pruned_inner_widths': pruned.model.inner_widths,
                     'int8': 'static QDQ, per-channel 7-bit signed weights (the same integers on every CPU), uint8 '
                             'activations, min-max calibration on '
                             f'{min(config.calibration_tiles, len(val.kinds))} validation tiles; distance head in '
                             'float'},
        'torch_fp32_test': torch_figures,
        'fp32_reference': REFERENCE_FILE,
        'l1_unstructured_pruning': l1,
        'build_seconds': round(time.perf_counter() - started, 1),
    }
    (models / CARD_FILE).write_text(json.dumps(card, indent=1))
    card = add_dense_files(models)   # the default variant over whole frames at once, as the node runs it
    if data.held_out and config.frames:
        # whole frames of the held-out family through the runtime detector on the card just written
        frames = FrameSetConfig()
        detector = FusionClassifier(models / CARD_FILE, threads=1, tiling=frames.tiling(),
                                    registration=frames.registration())
        card['frames_held_out'] = evaluate_frames(detector, data.held_out, config.frames, config.data_seed, frames)
        card['site_calibration_held_out'] = site_calibration_figures(
            detector, data.held_out, config.site_frames, config.frames, config.data_seed + 1, frames)
        card['build_seconds'] = round(time.perf_counter() - started, 1)
        (models / CARD_FILE).write_text(json.dumps(card, indent=1))
    return card


def build_parser() -> argparse.ArgumentParser:
    defaults = BuildConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work', type=Path, required=True, help='scratch folder: checkpoints, ONNX files')
    parser.add_argument('--models', type=Path, required=True, help='where the ONNX files and the card go')
    add_config_arguments(parser, defaults)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = vars(build_parser().parse_args(argv))
    work, models = args.pop('work'), args.pop('models')
    torch.set_num_threads(args.pop('threads'))
    card = build(work, models, BuildConfig(**args))
    for name, variant in card['variants'].items():
        cells = '  '.join(f"{family} F1 {m['macro_f1_published']:.3f} anomaly {100 * m['known_as_anomaly']:.0f}% "
                          f"AUROC {m.get('unseen_auroc', float('nan')):.3f}"
                          for family, m in variant['metrics_test'].items())
        print(f"{name:12s} {variant['file_bytes'] / 1e6:5.1f} MB  {cells}")
    print(f"card: {models / CARD_FILE} ({card['build_seconds']:.0f} s)")


if __name__ == '__main__':
    main()
