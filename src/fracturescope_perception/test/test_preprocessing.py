from fracturescope_perception.fusion.preprocessing import (
    Normalisation,
    fit_rgb_statistics,
    network_input,
)
import numpy as np
import pytest

NORM = Normalisation((0.5, 0.5, 0.5), (0.25, 0.25, 0.25), 4.0)


def pair(n=2, size=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8), rng.normal(20, 2, (n, size, size)).astype(
        np.float32)


def test_fused_channels_are_standardised_rgb_then_scaled_thermal_contrast():
    rgb, thermal = pair()
    x = network_input(rgb, thermal, NORM)
    assert x.shape == (2, 4, 8, 8) and x.dtype == np.float32 and x.flags['C_CONTIGUOUS']
    assert np.allclose(x[:, 0], (rgb[..., 0] / 255 - 0.5) / 0.25, atol=1e-6)
    assert np.allclose(x[:, 3], thermal / 4.0, atol=1e-6)


def test_rgb_statistics_and_normalisation_round_trip():
    rgb = np.zeros((1, 2, 2, 3), np.uint8)
    rgb[..., 0] = 255
    mean, std = fit_rgb_statistics(rgb)
    assert mean == pytest.approx((1.0, 0.0, 0.0)) and std == pytest.approx((0.0, 0.0, 0.0))
    assert Normalisation.from_dict(NORM.to_dict()) == NORM
