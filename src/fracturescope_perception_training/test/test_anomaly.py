
from fracturescope_perception_training.fusion.anomaly import (
    ScoredClassifier,
    distance_of,
    fit_gaussians,
    fit_multi_layer,
    min_mahalanobis,
    tap_features,
)
from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN
import numpy as np
import pytest
import torch


def two_gaussians(n=400, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    means = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 0.0]])
    return means[labels] + rng.normal(0, 1, (n, 3)), labels


def test_distance_to_the_nearest_class_mean():
    features, labels = two_gaussians(20000)
    model = fit_gaussians(features, labels, 2, shrinkage=0.0)
    assert np.allclose(model.means, [[0, 0, 0], [5, 0, 0]], atol=0.05)
    assert np.allclose(model.precision, np.eye(3), atol=0.05)
    d = min_mahalanobis(np.array([[0.0, 0, 0], [5, 2, 0], [2.5, 0, 0]]), model)
    assert d == pytest.approx([0.0, 4.0, 6.25], abs=0.2)


def test_exported_module_computes_the_same_distance_as_the_library():
    torch.manual_seed(0)
    model = EarlyFusionCNN(2, 'fused').eval()
    x = torch.randn(64, 4, 32, 32)
    labels = np.arange(64) % 2
    layers = (0, 2)
    feats = tap_features(model, x, layers)
    gaussians = fit_multi_layer(feats, labels, feats, 2, layers)
    with torch.no_grad():
        logits, distance = ScoredClassifier(model, gaussians)(x[:8])
    assert torch.allclose(logits, model(x[:8]), atol=1e-5)
    expected = distance_of([f[:8] for f in feats], gaussians)
    assert np.allclose(distance.numpy(), expected, rtol=1e-3)
