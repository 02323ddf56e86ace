from fracturescope_perception_training.fusion.resnet import ResNet18
import pytest
import torch


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def test_shapes_features_and_logits():
    model = ResNet18(4, 5).eval()
    x = torch.randn(2, 4, 64, 64)
    assert model.features(x).shape == (2, 512)
    assert model(x).shape == (2, 5)


def test_standard_resnet18_parameter_count():
    # torchvision's resnet18 (3 channels in, 1000 classes) has 11,689,512 parameters
    assert n_params(ResNet18(3, 1000)) == 11_689_512


def test_narrow_inner_widths_shrink_the_network_and_keep_it_working():
    slim = ResNet18(4, 4, [32, 32, 64, 64, 128, 128, 256, 256])
    assert n_params(slim) < 0.6 * n_params(ResNet18(4, 4))
    assert slim.eval()(torch.randn(1, 4, 32, 32)).shape == (1, 4)
    with pytest.raises(ValueError, match='8 positive widths'):
        ResNet18(4, 4, [64] * 7)


def test_fresh_blocks_are_identity_residuals():
    # zero-initialised last BN: each block's output is relu(identity) at start, which keeps early training stable
    model = ResNet18(3, 2).eval()
    block = model.blocks[1]
    x = torch.relu(torch.randn(1, 64, 8, 8))
    assert torch.allclose(block(x), x)
