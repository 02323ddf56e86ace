from fracturescope_perception.fusion.classifier import onnx_session, run_onnx
from fracturescope_perception_training.fusion.anomaly import ScoredClassifier, fit_multi_layer, tap_features
from fracturescope_perception_training.fusion.compression import (
    export_onnx,
    l1_unstructured_prune,
    quantize_int8,
    state_dict_sizes,
    structured_prune,
)
from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN
import numpy as np
import pytest
import torch


def trained_like(seed=0):
    """A network with non-trivial BN statistics and weights (a fresh one has identity blocks)."""
    torch.manual_seed(seed)
    model = EarlyFusionCNN(4, 'fused')
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            torch.nn.init.uniform_(m.weight, 0.5, 1.5)
            torch.nn.init.normal_(m.bias, 0, 0.1)
    model.train()
    with torch.no_grad():
        model(torch.randn(64, 4, 32, 32))   # running statistics
    return model.eval()


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def test_l1_unstructured_pruning_zeroes_weights_but_keeps_shapes():
    model = trained_like()
    shapes = {n: p.shape for n, p in model.named_parameters()}
    dense = state_dict_sizes(model)
    sparsity = l1_unstructured_prune(model, 0.3)
    assert sparsity == pytest.approx(0.3, abs=0.01)
    assert {n: p.shape for n, p in model.named_parameters()} == shapes
    raw, compressed = state_dict_sizes(model)
    assert raw == pytest.approx(dense[0], rel=0.01)   # a dense file does not shrink
    assert compressed < 0.9 * dense[1]                # but it compresses better


def test_structured_pruning_shrinks_the_network():
    model = trained_like()
    pruned = structured_prune(model, 0.5)
    assert pruned.inner_widths == [32, 32, 64, 64, 128, 128, 256, 256]
    assert n_params(pruned) < 0.6 * n_params(model)
    assert pruned(torch.randn(2, 4, 32, 32)).shape == (2, 4)


def test_structured_pruning_keeps_the_function_when_only_dead_channels_go():
    model = trained_like()
    with torch.no_grad():
        for block in model.blocks:
            half = block.bn1.num_features // 2
            block.bn1.weight[half:] = 0.0     # these channels output relu(beta): make them dead
            block.bn1.bias[half:] = -1.0
    x = torch.randn(3, 4, 32, 32)
    pruned = structured_prune(model, 0.5)
    assert torch.allclose(pruned(x), model(x), atol=1e-4)
    assert torch.allclose(structured_prune(model, 1.0)(x), model(x), atol=1e-5)
    with pytest.raises(ValueError):
        structured_prune(model, 0.0)


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp('onnx')
    model = trained_like(1)
    x = torch.randn(96, 4, 32, 32)
    feats = tap_features(model, x, (0, 1))
    gaussians = fit_multi_layer(feats, np.arange(96) % 4, feats, 4, (0, 1))
    scored = ScoredClassifier(model, gaussians).eval()
    export_onnx(scored, folder / 'fp32.onnx', 4, 32)
    return scored, folder, x


def test_export_has_a_dynamic_batch_and_matches_torch(exported):
    scored, folder, x = exported
    session = onnx_session(folder / 'fp32.onnx', 1)
    for n in (1, 5):
        logits, distance = session.run(None, {'pair': x[:n].numpy()})
        with torch.no_grad():
            ref_logits, ref_distance = scored(x[:n])
        assert np.allclose(logits, ref_logits.numpy(), atol=1e-3)
        assert np.allclose(distance, ref_distance.numpy(), rtol=1e-3)


def test_int8_is_quantized_smaller_and_close(exported):
    _, folder, x = exported
    quantize_int8(folder / 'fp32.onnx', folder / 'int8.onnx', x[:64].numpy())
    assert (folder / 'int8.onnx').stat().st_size < 0.35 * (folder / 'fp32.onnx').stat().st_size
    fp32 = run_onnx(onnx_session(folder / 'fp32.onnx', 1), x[64:].numpy())
    int8 = run_onnx(onnx_session(folder / 'int8.onnx', 1), x[64:].numpy())
    # the distance head stays in float: the distance differs only by what the quantized features bring (7-bit
    # weights on this untrained toy network: 0.14; the shipped network: 0.03)
    assert np.median(np.abs(int8[1] / fp32[1] - 1)) < 0.2
    assert np.std(int8[1]) > 0   # not collapsed to a constant (as when the head itself was quantized)
    assert np.corrcoef(fp32[0].ravel(), int8[0].ravel())[0, 1] > 0.9
