from fracturescope_perception_training.edge_eye.espcn_training import build_model, render_pairs
import torch


def test_training_data_and_network_shapes():
    lows, highs = render_pairs(3, seed=1)
    assert lows.shape == (3, 1, 48, 48) and highs.shape == (3, 1, 96, 96)
    assert 0.0 <= lows.min() and highs.max() <= 1.0
    assert tuple(build_model()(torch.from_numpy(lows)).shape) == (3, 1, 96, 96)
