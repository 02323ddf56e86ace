import json

from fracturescope_perception.fusion.preprocessing import Normalisation
from fracturescope_perception_training.fusion.anomaly import (
    ScoredClassifier,
    distance_of,
    fit_gaussians,
    fit_multi_layer,
    load_gaussians,
    min_mahalanobis,
    run_calibration,
    save_gaussians,
    tap_features,
)
from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN
from fracturescope_perception_training.fusion.synthesize_dataset import write_dataset
from fracturescope_perception_training.fusion.train import save_checkpoint
from fracturescope_sim.concrete_synthesis import SynthesisConfig
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


def test_calibration_end_to_end_writes_the_report(tmp_path):
    data = tmp_path / 'data'
    manifest = write_dataset(data, SynthesisConfig(size=32, thermal_native=8), {'train': 6, 'val': 4, 'test': 4}, 3,
                             base_seed=5, workers=1, progress=False)
    torch.manual_seed(0)
    model = EarlyFusionCNN(4, 'fused').eval()
    save_checkpoint(tmp_path / 'model.pt', model, Normalisation((0.5,) * 3, (0.2,) * 3, 4.0), manifest, 1, 1.0, 0.5)
    report = run_calibration(data, tmp_path / 'model.pt', tmp_path / 'anomaly', 0.25, layers=(0, 1))
    assert 0.0 < report['threshold'] < 1.0
    assert set(report['auroc_per_type']) == {'graffiti', 'exposed_rebar', 'foreign_object', 'hot_spot'}
    assert all(0.0 <= v <= 1.0 for v in report['auroc_per_type'].values())
    assert json.loads((tmp_path / 'anomaly' / 'anomaly.json').read_text()) == report
    loaded = load_gaussians(tmp_path / 'anomaly' / 'gaussians.npz')
    assert loaded.layers == (0, 1) and len(loaded.gaussians) == 2
    save_gaussians(loaded, tmp_path / 'again.npz')
    again = load_gaussians(tmp_path / 'again.npz')
    assert np.array_equal(again.gaussians[1].precision, loaded.gaussians[1].precision)
