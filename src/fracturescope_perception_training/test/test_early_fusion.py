from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN
import pytest
import torch


@pytest.mark.parametrize('modality,channels', [('fused', 4), ('rgb', 3), ('thermal', 1)])
def test_modality_sets_the_first_convolution(modality, channels):
    model = EarlyFusionCNN(4, modality)
    assert model.conv1.in_channels == channels
    assert model.eval()(torch.randn(1, channels, 32, 32)).shape == (1, 4)


def test_architecture_round_trip_rebuilds_the_same_network():
    model = EarlyFusionCNN(4, 'fused', [64, 32, 128, 64, 256, 128, 512, 256])
    clone = EarlyFusionCNN.from_architecture(model.architecture())
    clone.load_state_dict(model.state_dict())
    x = torch.randn(2, 4, 32, 32)
    assert torch.equal(model.eval()(x), clone.eval()(x))


def test_unknown_modality_is_refused():
    with pytest.raises(ValueError, match='unknown modality'):
        EarlyFusionCNN(4, 'depth')
