"""One command from nothing to the shipped fusion model: data -> training -> anomaly calibration ->
compression -> ONNX FP32 / INT8 / pruned INT8 -> model card.

    fracturescope-build-fusion-model --work var/fusion --models src/fracturescope_perception/models/fusion

Every figure in the card is measured on the ONNX file it describes (anomaly thresholds too: calibrated on the
validation split through that very file), so the card tells the truth about what the node runs.
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

from fracturescope_perception.fusion.classifier import onnx_session, run_onnx
from fracturescope_perception.fusion.ood_metrics import anomaly_score, auroc, calibrate
from fracturescope_perception.fusion.preprocessing import MODALITY_CHANNELS, Normalisation
from fracturescope_sim.concrete_synthesis import SynthesisConfig
import numpy as np
import torch

from fracturescope_perception_training.fusion.anomaly import ScoredClassifier, fit_multi_layer, tap_features
from fracturescope_perception_training.fusion.compression import (
    export_onnx,
    l1_unstructured_prune,
    quantize_int8,
    state_dict_sizes,
    structured_prune,
)
from fracturescope_perception_training.fusion.dataset import RawSplit, as_tensors, load_split
from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN
from fracturescope_perception_training.fusion.evaluate import classification_report, evaluate, predict_logits
from fracturescope_perception_training.fusion.synthesize_dataset import write_dataset
from fracturescope_perception_training.fusion.train import TrainConfig, load_checkpoint, train

CARD_FILE = 'fusion.card.json'
REFERENCE_FILE = 'fusion_fp32_reference.npz'
VARIANTS = ('fp32', 'int8', 'pruned_int8')


@dataclass
class BuildConfig:
    size: int = 64
    thermal_native: int = 16
    hard_fraction: float = 0.5      # share of each class drawn as a hard case: they decide whether fusion pays
    rgb_dropout: float = 0.5        # fused training: share of samples with RGB blanked (see dataset.augment)
    train_per_class: int = 1250
    val_per_class: int = 200
    test_per_class: int = 300
    ood_per_type: int = 150
    data_seed: int = 2026
    epochs: int = 30
    finetune_epochs: int = 8
    patience: int = 3
    l1_amount: float = 0.3          # share of weights zeroed by L1 unstructured pruning (the seed's 30 %)
    keep_ratio: float = 0.5         # share of each block's inner channels kept by structured pruning
    false_alarm_rate: float = 0.05  # calibrated share of known-class validation pairs flagged as anomalies
    calibration_pairs: int = 800    # real fused validation pairs for INT8 calibration: all (256 lost 0.5 pt)
    ablation: bool = True           # also train RGB-only and thermal-only with the same budget
    workers: int = 2
    progress: bool = True


def _fit_gaussians_for(model: EarlyFusionCNN, train_x: torch.Tensor, train: RawSplit, val_x: torch.Tensor,
                       n_classes: int):
    layers = (0, 1, 2)
    return fit_multi_layer(tap_features(model, train_x, layers), train.labels, tap_features(model, val_x, layers),
                           n_classes, layers)


def _onnx_report(path: Path, splits: dict[str, np.ndarray], labels: dict[str, np.ndarray], ood_kinds: list[str],
                 classes: list[str], false_alarm_rate: float, hard: np.ndarray, threads: int) -> tuple[dict, dict]:
    """Metrics and anomaly calibration of one ONNX file, from its own outputs."""
    session = onnx_session(path, threads)
    outputs = {group: run_onnx(session, x) for group, x in splits.items()}
    calibration = calibrate(outputs['val'][1], false_alarm_rate)
    scores = {g: anomaly_score(out[1], calibration.reference_distance) for g, out in outputs.items()}
    predicted = outputs['test'][0].argmax(1)
    report = classification_report(labels['test'], predicted, classes)
    kinds = np.array(ood_kinds)
    metrics = {
        'accuracy': report['accuracy'],
        'macro_f1': report['macro']['f1'],
        'per_class_f1': {c: v['f1'] for c, v in report['per_class'].items()},
        'hard_cases_macro_f1': classification_report(labels['test'][hard], predicted[hard], classes)['macro']['f1'],
        'anomaly_auroc_unseen': auroc(scores['test'], scores['ood']),
        'anomaly_auroc_per_type': {k: auroc(scores['test'], scores['ood'][kinds == k]) for k in sorted(set(kinds))},
        'anomaly_false_alarm_rate_test': float(np.mean(scores['test'] > calibration.threshold)),
        'file_bytes': path.stat().st_size,
    }
    anomaly = {'reference_distance': calibration.reference_distance, 'threshold': calibration.threshold}
    return metrics, {'predicted': predicted, **anomaly}


def model_version(models: Path, files: list[str]) -> str:
    """The card's version: a SHA-256 prefix over the variant files, so a retrained model never shares the id of
    another (the ledger's blocks name it) while a bit-identical rebuild keeps it."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(hashlib.sha256((models / name).read_bytes()).digest())
    return digest.hexdigest()[:8]


def write_fp32_reference(path: Path, fp32_model: Path, test_inputs: np.ndarray, manifest: dict, threads: int) -> None:
    """FP32 predictions on every test pair, named by the seeds the synthesizer regenerates them from: a test can
    check the shipped INT8 files against FP32 without the 45 MB FP32 file in git."""
    logits, distance = run_onnx(onnx_session(fp32_model, threads), test_inputs)
    entries = manifest['samples']['test']
    np.savez(path, kinds=np.array([k for k, _, _ in entries]), ids=np.array([int(i) for _, i, _ in entries]),
             split_seed=manifest['split_seeds']['test'], fp32_predicted=logits.argmax(1), fp32_ood_distance=distance)


def build(work: Path, models: Path, config: BuildConfig, threads: int) -> dict:
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    data = work / 'data'
    if data.exists():
        shutil.rmtree(data)
    synthesis = SynthesisConfig(size=config.size, thermal_native=config.thermal_native,
                                hard_fraction=config.hard_fraction)
    manifest = write_dataset(data, synthesis, {'train': config.train_per_class, 'val': config.val_per_class,
                                               'test': config.test_per_class}, config.ood_per_type,
                             config.data_seed, config.workers, config.progress)
    classes = manifest['classes']

    # training (and the ablation, same budget)
    train_config = TrainConfig(epochs=config.epochs, patience=config.patience, progress=config.progress,
                               rgb_dropout=config.rgb_dropout)
    ablation = {}
    for modality in ('fused', 'rgb', 'thermal') if config.ablation else ('fused',):
        run = work / modality
        history = train(data, run, TrainConfig(**{**asdict(train_config), 'modality': modality}))
        result = evaluate(data, run / 'best_loss.pt', run / 'eval')
        ablation[modality] = {'macro_f1': result['macro']['f1'], 'hard_cases_macro_f1':
                              result['hard_cases']['macro']['f1'], 'accuracy': result['accuracy'],
                              'epochs': len(history.val_loss), 'train_seconds': sum(history.epoch_seconds)}
    model, checkpoint = load_checkpoint(work / 'fused' / 'best_loss.pt')
    norm = Normalisation.from_dict(checkpoint['normalisation'])
    raw = {g: load_split(data, g) for g in ('train', 'val', 'test', 'ood')}
    tensors = {g: as_tensors(r, norm, 'fused')[0] for g, r in raw.items()}
    labels = {g: r.labels for g, r in raw.items()}
    hard = np.array([v != 'normal' for v in raw['test'].variants])

    # L1 unstructured pruning: what it buys (weights, compressibility, accuracy); not shipped
    sparse = copy.deepcopy(model)
    sparsity = l1_unstructured_prune(sparse, config.l1_amount)
    dense_sizes, sparse_sizes = state_dict_sizes(model), state_dict_sizes(sparse)
    sparse_report = classification_report(labels['test'], predict_logits(sparse, tensors['test']).argmax(1), classes)
    l1 = {'amount': config.l1_amount, 'sparsity': sparsity, 'macro_f1_without_finetuning': sparse_report['macro']['f1'],
          'weights_bytes_dense': dense_sizes[0], 'weights_bytes_sparse': sparse_sizes[0],
          'zlib_bytes_dense': dense_sizes[1], 'zlib_bytes_sparse': sparse_sizes[1],
          'note': 'same tensor shapes: a dense runtime multiplies the zeros, so latency and file size are unchanged'}

    # structured pruning + fine-tuning
    pruned = structured_prune(model, config.keep_ratio)
    train(data, work / 'pruned', TrainConfig(epochs=config.finetune_epochs, patience=config.patience,
                                             rgb_dropout=config.rgb_dropout, progress=config.progress), model=pruned)
    pruned, _ = load_checkpoint(work / 'pruned' / 'best_loss.pt')

    # export, quantize, measure each file
    n_classes = len(classes)
    for name, net in (('fp32', model), ('pruned_fp32', pruned)):
        gaussians = _fit_gaussians_for(net, tensors['train'], raw['train'], tensors['val'], n_classes)
        export_onnx(ScoredClassifier(net, gaussians), work / f'{name}.onnx', MODALITY_CHANNELS['fused'], config.size)
    calibration_inputs = tensors['val'].numpy()[:config.calibration_pairs]
    quantize_int8(work / 'fp32.onnx', work / 'int8.onnx', calibration_inputs)
    quantize_int8(work / 'pruned_fp32.onnx', work / 'pruned_int8.onnx', calibration_inputs)
    splits = {g: t.numpy() for g, t in tensors.items() if g != 'train'}
    variants, reference = {}, None
    models.mkdir(parents=True, exist_ok=True)
    for name in VARIANTS:
        metrics, extra = _onnx_report(work / f'{name}.onnx', splits, labels, raw['ood'].kinds, classes,
                                      config.false_alarm_rate, hard, threads)
        if reference is None:
            reference = extra['predicted']
        metrics['agreement_with_fp32'] = float(np.mean(extra['predicted'] == reference))
        file_name = f'fusion_{name}.onnx'
        shutil.copyfile(work / f'{name}.onnx', models / file_name)
        variants[name] = {'file': file_name, 'anomaly_reference_distance': extra['reference_distance'],
                          'anomaly_threshold': extra['threshold'], 'metrics_test': metrics}
    write_fp32_reference(models / REFERENCE_FILE, work / 'fp32.onnx', splits['test'], manifest, threads)
    card = {
        'format': 'fracturescope-model-card/1',
        'name': 'fusion-resnet18',
        'version': model_version(models, [variants[name]['file'] for name in VARIANTS]),
        'task': 'classify a fused RGB + thermal pair of a concrete surface; flag defect types never seen',
        'classes': classes,
        'anomaly_label': 'anomaly',
        'input': {'name': 'pair', 'layout': 'N x C x H x W float32', 'size': config.size,
                  'channels': ['red', 'green', 'blue', 'thermal_contrast']},
        'normalisation': {**norm.to_dict(),
                          'rgb': '(value / 255 - rgb_mean) / rgb_std per channel',
                          'thermal': '(T[degC] - median over the frame) / thermal_scale_k',
                          'resize': 'RGB area-averaged, thermal bilinear, to size x size'},
        'outputs': {'logits': 'N x classes, softmax gives the class probabilities',
                    'ood_distance': 'N, summed multi-layer Mahalanobis distance (unitless)'},
        'anomaly_score': 'score = 1 - exp(-ln 2 * ood_distance / anomaly_reference_distance); '
                         'anomaly when score > anomaly_threshold',
        'anomaly_false_alarm_rate_val': config.false_alarm_rate,
        'default_variant': 'pruned_int8',
        'variants': variants,
        'training': {'data_sha256': manifest['data_sha256'], 'data_counts': manifest['counts'],
                     'data_seed': config.data_seed, 'synthesis': manifest['config'],
                     'optimiser': 'Adam', 'lr': train_config.lr, 'batch_size': train_config.batch_size,
                     'max_epochs': config.epochs, 'early_stopping_patience': config.patience,
                     'rgb_dropout': train_config.rgb_dropout,
                     'structured_keep_ratio': config.keep_ratio, 'pruned_inner_widths': pruned.inner_widths,
                     'finetune_epochs': config.finetune_epochs,
                     'int8': 'static QDQ, per-channel int8 weights, uint8 activations, min-max calibration on '
                             f'{len(calibration_inputs)} real fused validation pairs; distance head in float'},
        'fp32_reference': REFERENCE_FILE,
        'ablation_test': ablation,
        'l1_unstructured_pruning': l1,
        'build_seconds': round(time.perf_counter() - started, 1),
    }
    (models / CARD_FILE).write_text(json.dumps(card, indent=1))
    return card


def build_parser() -> argparse.ArgumentParser:
    defaults = BuildConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work', type=Path, required=True, help='scratch folder: data set, checkpoints, reports')
    parser.add_argument('--models', type=Path, required=True, help='where the ONNX files and the card go')
    for name, value in asdict(defaults).items():
        flag = '--' + name.replace('_', '-')
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(flag, type=type(value), default=value)
    parser.add_argument('--threads', type=int, default=2, help='torch and onnxruntime intra-op threads')
    return parser


def main(argv: list[str] | None = None) -> None:
    args = vars(build_parser().parse_args(argv))
    work, models, threads = args.pop('work'), args.pop('models'), args.pop('threads')
    torch.set_num_threads(threads)
    card = build(work, models, BuildConfig(**args), threads)
    for name, variant in card['variants'].items():
        m = variant['metrics_test']
        print(f"{name:12s} macro-F1 {m['macro_f1']:.4f}  agreement with fp32 {m['agreement_with_fp32']:.4f}  "
              f"anomaly AUROC {m['anomaly_auroc_unseen']:.4f}  {m['file_bytes'] / 1e6:.1f} MB")
    for modality, result in card['ablation_test'].items():
        print(f"ablation {modality:8s} macro-F1 {result['macro_f1']:.4f}  "
              f"hard cases {result['hard_cases_macro_f1']:.4f}")
    print(f"card: {models / CARD_FILE} ({card['build_seconds']:.0f} s)")


if __name__ == '__main__':
    main()
