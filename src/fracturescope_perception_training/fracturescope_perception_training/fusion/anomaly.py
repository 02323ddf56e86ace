"""Unknown states: a multi-layer Mahalanobis out-of-distribution score in the network's feature space.

Lee et al. 2018 ("A Simple Unified Framework for Detecting Out-of-Distribution Samples"): class-conditional
Gaussians with a shared covariance fitted on the training features; a sample's distance to the training
distribution at one layer is its smallest squared Mahalanobis distance to a class mean (eq. 1). As in that
paper, several layers are used: the penultimate features of a 4-class network keep little beyond what
separates the four classes, while the early stages still describe colour, texture and thermal contrast, where
graffiti, a foreign object or a hot spot differ. Each tapped feature map is pooled by mean and by max (unseen
things are often small, and an average dilutes them), each layer's distance is divided by its validation median
and the layers are summed (eq. 4). The sum is mapped to a unitless 0..1 score (eq. 2), and the threshold is the
score that a chosen share of validation samples (all from the known classes) stays under (eq. 3): the false-alarm
rate on known data is the calibrated quantity.

    fracturescope-calibrate-anomaly --data data/fusion --checkpoint var/fusion/fused/best_loss.pt --out DIR
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import json
from pathlib import Path

from fracturescope_perception.fusion.ood_metrics import anomaly_score, auroc, calibrate
from fracturescope_perception.fusion.preprocessing import Normalisation
import numpy as np
import torch
from torch import nn

from fracturescope_perception_training.fusion.dataset import as_tensors, load_split
from fracturescope_perception_training.fusion.train import load_checkpoint


@dataclass
class GaussianFeatureModel:
    means: np.ndarray        # C x D class means of the training features
    precision: np.ndarray    # D x D inverse of the shared (shrunk) covariance


def fit_gaussians(features: np.ndarray, labels: np.ndarray, n_classes: int,
                  shrinkage: float = 0.01) -> GaussianFeatureModel:
    """Class means and the precision of the shared within-class covariance.

    The covariance is shrunk towards a scaled identity (shrinkage x mean variance) so it stays invertible
    when the feature dimension approaches the number of samples.
    """
    features = np.asarray(features, np.float64)
    means = np.stack([features[labels == c].mean(0) for c in range(n_classes)])
    centred = features - means[labels]
    cov = centred.T @ centred / len(features)
    cov += shrinkage * np.trace(cov) / cov.shape[0] * np.eye(cov.shape[0])
    return GaussianFeatureModel(means.astype(np.float32), np.linalg.inv(cov).astype(np.float32))


def min_mahalanobis(features: np.ndarray, model: GaussianFeatureModel) -> np.ndarray:
    """min over classes c of (f - mu_c)^T P (f - mu_c)  # eq. 1"""
    diff = np.asarray(features, np.float64)[:, None, :] - model.means[None].astype(np.float64)
    d2 = np.einsum('ncd,de,nce->nc', diff, model.precision.astype(np.float64), diff)
    return d2.min(1)


DEFAULT_LAYERS = (0, 1, 2)   # stem, stage 1, stage 2 of ResNet-18 (see ResNet18.stage_outputs)


def pool_mean_max(feature_map: torch.Tensor) -> torch.Tensor:
    """N x C x h x w -> N x 2C: spatial mean and spatial max of each channel."""
    return torch.cat([feature_map.mean((2, 3)), feature_map.amax((2, 3))], dim=1)


@dataclass
class MultiLayerGaussians:
    layers: tuple[int, ...]                  # indices into ResNet18.stage_outputs
    gaussians: list[GaussianFeatureModel]    # one per layer
    layer_scales: np.ndarray                 # validation median distance per layer


def combined_distance(distances: list[np.ndarray], layer_scales: np.ndarray) -> np.ndarray:
    """sum over layers l of d_l / median_val(d_l)  # eq. 4"""
    return np.sum([d / s for d, s in zip(distances, layer_scales, strict=True)], axis=0)


def tap_features(model: nn.Module, x: torch.Tensor, layers: tuple[int, ...], batch_size: int = 256
                 ) -> list[np.ndarray]:
    """Mean + max pooled features of the tapped layers, one N x 2C array per layer."""
    model.eval()
    chunks: list[list[np.ndarray]] = [[] for _ in layers]
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            outputs = model.stage_outputs(x[i:i + batch_size])
            for k, layer in enumerate(layers):
                chunks[k].append(pool_mean_max(outputs[layer]).numpy())
    return [np.concatenate(c) for c in chunks]


def fit_multi_layer(train_features: list[np.ndarray], train_labels: np.ndarray, val_features: list[np.ndarray],
                    n_classes: int, layers: tuple[int, ...]) -> MultiLayerGaussians:
    gaussians = [fit_gaussians(f, train_labels, n_classes) for f in train_features]
    scales = np.array([np.median(min_mahalanobis(f, g)) for f, g in zip(val_features, gaussians, strict=True)])
    return MultiLayerGaussians(tuple(layers), gaussians, scales)


def distance_of(features: list[np.ndarray], model: MultiLayerGaussians) -> np.ndarray:
    return combined_distance([min_mahalanobis(f, g) for f, g in zip(features, model.gaussians, strict=True)],
                             model.layer_scales)


class ScoredClassifier(nn.Module):
    """The classifier plus the combined distance of eq. 4 as a second output, for export: the node gets logits
    and the distance from one inference and needs only the card's scalars (reference distance, threshold)."""

    def __init__(self, model: nn.Module, gaussians: MultiLayerGaussians) -> None:
        super().__init__()
        self.model = model
        self.layers = list(gaussians.layers)
        for k, (g, scale) in enumerate(zip(gaussians.gaussians, gaussians.layer_scales, strict=True)):
            # P = L L^T, so (f - mu)^T P (f - mu) = |(f - mu) L|^2: matrix products only in the graph; 1/scale
            # folded into L as 1/sqrt(scale)
            chol = np.linalg.cholesky(g.precision.astype(np.float64)) / np.sqrt(scale)
            self.register_buffer(f'cholesky_{k}', torch.from_numpy(chol.astype(np.float32)))
            self.register_buffer(f'centres_{k}', torch.from_numpy((g.means.astype(np.float64) @ chol)
                                                                  .astype(np.float32)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = self.model.stage_outputs(x)
        logits = self.model.head(outputs[-1])
        total = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        for k, layer in enumerate(self.layers):
            projected = pool_mean_max(outputs[layer]) @ getattr(self, f'cholesky_{k}')
            d2 = (projected.unsqueeze(1) - getattr(self, f'centres_{k}').unsqueeze(0)).pow(2).sum(-1)
            total = total + d2.min(dim=1).values
        return logits, total


def run_calibration(data: Path, checkpoint_path: Path, out: Path, false_alarm_rate: float,
                    layers: tuple[int, ...] = DEFAULT_LAYERS) -> dict:
    """Fit on train, calibrate on val, measure AUROC of known test samples vs each unseen type.

    Writes gaussians.npz and anomaly.json (calibration and AUROC) to `out`.
    """
    model, checkpoint = load_checkpoint(checkpoint_path)
    norm = Normalisation.from_dict(checkpoint['normalisation'])
    modality = checkpoint['architecture']['modality']
    features, splits = {}, {}
    for group in ('train', 'val', 'test', 'ood'):
        splits[group] = load_split(data, group)
        x, _ = as_tensors(splits[group], norm, modality)
        features[group] = tap_features(model, x, layers)
    gaussians = fit_multi_layer(features['train'], splits['train'].labels, features['val'],
                                len(checkpoint['classes']), layers)
    distance = {group: distance_of(f, gaussians) for group, f in features.items()}
    calibration = calibrate(distance['val'], false_alarm_rate)
    scores = {group: anomaly_score(d, calibration.reference_distance) for group, d in distance.items()}
    kinds = np.array(splits['ood'].kinds)
    per_type = {kind: auroc(scores['test'], scores['ood'][kinds == kind]) for kind in sorted(set(kinds))}
    report = {
        'method': 'sum over layers of the min class-conditional Mahalanobis distance (shared covariance) of '
                  'mean+max pooled features, each layer over its validation median',
        'layers': list(layers),
        'reference_distance': calibration.reference_distance,
        'threshold': calibration.threshold,
        'false_alarm_rate_val': calibration.false_alarm_rate,
        'false_alarm_rate_test': float(np.mean(scores['test'] > calibration.threshold)),
        'auroc_all_unseen': auroc(scores['test'], scores['ood']),
        'auroc_per_type': per_type,
        'detected_per_type': {kind: float(np.mean(scores['ood'][kinds == kind] > calibration.threshold))
                              for kind in per_type},
    }
    out.mkdir(parents=True, exist_ok=True)
    save_gaussians(gaussians, out / 'gaussians.npz')
    (out / 'anomaly.json').write_text(json.dumps(report, indent=1))
    return report


def save_gaussians(model: MultiLayerGaussians, path: Path) -> None:
    arrays = {'layers': np.array(model.layers), 'layer_scales': model.layer_scales}
    for k, g in enumerate(model.gaussians):
        arrays[f'means_{k}'], arrays[f'precision_{k}'] = g.means, g.precision
    np.savez(path, **arrays)


def load_gaussians(path: Path) -> MultiLayerGaussians:
    with np.load(path) as f:
        layers = tuple(int(v) for v in f['layers'])
        return MultiLayerGaussians(layers, [GaussianFeatureModel(f[f'means_{k}'], f[f'precision_{k}'])
                                            for k in range(len(layers))], f['layer_scales'])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description='Fit and calibrate the out-of-distribution score of a checkpoint')
    parser.add_argument('--data', type=Path, required=True)
    parser.add_argument('--checkpoint', type=Path, required=True)
    parser.add_argument('--out', type=Path, required=True)
    parser.add_argument('--false-alarm-rate', type=float, default=0.05,
                        help='share of known-class validation samples allowed over the threshold [0..1]')
    parser.add_argument('--layers', default=','.join(map(str, DEFAULT_LAYERS)),
                        help='tapped ResNet stages, comma separated (0 = stem .. 4 = last stage)')
    parser.add_argument('--threads', type=int, default=2, help='torch intra-op threads')
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    layers = tuple(int(v) for v in args.layers.split(','))
    report = run_calibration(args.data, args.checkpoint, args.out, args.false_alarm_rate, layers)
    print(f"threshold {report['threshold']:.3f}, AUROC on unseen types {report['auroc_all_unseen']:.4f} "
          f"({', '.join(f'{k} {v:.3f}' for k, v in report['auroc_per_type'].items())}); written to {args.out}")


if __name__ == '__main__':
    main()
