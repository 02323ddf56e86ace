from fracturescope_perception.fusion.preprocessing import (
    Normalisation,
    fit_rgb_statistics,
    thermal_contrast,
    to_input,
)
import numpy as np
import pytest

NORM = Normalisation((0.5, 0.5, 0.5), (0.25, 0.25, 0.25), 4.0)


def pair(n=2, size=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8), rng.normal(20, 2, (n, size, size)).astype(
        np.float32)


def test_fused_channels_are_standardised_rgb_then_thermal_contrast():
    rgb, thermal = pair()
    x = to_input(rgb, thermal, NORM, 'fused')
    assert x.shape == (2, 4, 8, 8) and x.dtype == np.float32
    assert np.allclose(x[:, 0], (rgb[..., 0] / 255 - 0.5) / 0.25, atol=1e-6)
    assert np.allclose(x[:, 3], (thermal - np.median(thermal.reshape(2, -1), 1)[:, None, None]) / 4.0, atol=1e-6)
    assert to_input(rgb, thermal, NORM, 'rgb').shape == (2, 3, 8, 8)
    assert np.array_equal(to_input(rgb, thermal, NORM, 'thermal')[:, 0], x[:, 3])


def test_thermal_contrast_ignores_ambient_offset():
    _, thermal = pair()
    assert np.allclose(thermal_contrast(thermal, 4.0), thermal_contrast(thermal + 15.0, 4.0), atol=1e-5)


def test_single_pair_and_resizing():
    rgb, thermal = pair(1, 16)
    x = to_input(rgb[0], thermal[0], NORM, 'fused', size=8)
    assert x.shape == (1, 4, 8, 8)


def test_mismatched_or_unknown_inputs_are_refused():
    rgb, thermal = pair()
    with pytest.raises(ValueError, match='do not pair'):
        to_input(rgb, thermal[:, :4], NORM, 'fused')
    with pytest.raises(ValueError, match='unknown modality'):
        to_input(rgb, thermal, NORM, 'lidar')


def test_rgb_statistics_and_normalisation_round_trip():
    rgb = np.zeros((1, 2, 2, 3), np.uint8)
    rgb[..., 0] = 255
    mean, std = fit_rgb_statistics(rgb)
    assert mean == pytest.approx((1.0, 0.0, 0.0)) and std == pytest.approx((0.0, 0.0, 0.0))
    assert Normalisation.from_dict(NORM.to_dict()) == NORM
