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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


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
