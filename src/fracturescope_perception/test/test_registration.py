import math

from fracturescope_perception.fusion.registration import (
    Registration,
    RegistrationError,
    fit_homography,
    overlap_box,
    pixel_scale,
    thermal_on_rgb_grid,
)
import numpy as np
import pytest


def _project(h, points):
    p = np.c_[points, np.ones(len(points))] @ h.T
    return p[:, :2] / p[:, 2:]


def test_pixel_scale_maps_pixel_centres_and_edges():
    h = pixel_scale((160, 120), (1280, 960))
    # the left edge of thermal pixel 0 (x = -0.5) is the left edge of RGB pixel 0; centres scale by 8
    assert np.allclose(_project(h, np.array([[-0.5, -0.5], [159.5, 119.5], [0.0, 0.0]])),
                       [[-0.5, -0.5], [1279.5, 959.5], [3.5, 3.5]])


def test_fitted_homography_recovers_a_rig_and_rejects_outliers():
    truth = np.array([[7.1, 0.12, 40.0], [-0.08, 7.0, 22.0], [1e-5, 2e-5, 1.0]])
    rng = np.random.default_rng(3)
    thermal = rng.uniform([0, 0], [160, 120], (30, 2))
    rgb = _project(truth, thermal) + rng.normal(0, 0.3, (30, 2))
    rgb[:3] += 60.0                       # three wrong clicks
    h, rms, inliers = fit_homography(thermal, rgb)
    assert inliers[:3].sum() == 0 and inliers[3:].all()
    assert rms < 0.6
    probe = np.array([[10.0, 10.0], [150.0, 110.0], [80.0, 60.0]])
    assert np.abs(_project(h, probe) - _project(truth, probe)).max() < 1.0
    with pytest.raises(ValueError, match='at least 4'):
        fit_homography(thermal[:3], rgb[:3])


def test_registration_follows_a_resolution_change_but_not_another_view(tmp_path):
    h = np.array([[8.0, 0.0, 100.0], [0.0, 8.0, -20.0], [0.0, 0.0, 1.0]])
    registration = Registration(h, (1920, 1080), (160, 120), 0.4)
    path = tmp_path / 'registration.yaml'
    registration.save(path, 'test rig')
    loaded = Registration.load(path)
    assert loaded.rgb_size == (1920, 1080) and loaded.rms_error_px == pytest.approx(0.4)
    same = loaded.for_sizes((1920, 1080), (160, 120))
    assert np.allclose(same, h)
    half = loaded.for_sizes((960, 540), (160, 120))     # the RGB camera binned 2x2
    point = np.array([[50.0, 40.0]])
    assert _project(half, point) == pytest.approx((_project(h, point) + 0.5) / 2 - 0.5)
    with pytest.raises(RegistrationError, match='not the calibrated view'):
        loaded.for_sizes((1280, 1024), (160, 120))
    assert Registration.from_parameters([], [], []) is None
    with pytest.raises(ValueError, match='not invertible'):
        Registration.from_parameters([0.0] * 9, [10, 10], [5, 5])
    (tmp_path / 'broken.yaml').write_text('rgb_size: [1, 2]\n')
    with pytest.raises(ValueError, match='thermal_to_rgb'):
        Registration.load(tmp_path / 'broken.yaml')


def test_thermal_on_rgb_grid_is_nan_only_where_the_thermal_camera_sees_nothing():
    thermal = np.arange(12 * 16, dtype=np.float32).reshape(12, 16)
    same = thermal_on_rgb_grid(thermal, pixel_scale((16, 12), (64, 48)), (64, 48))
    assert np.isfinite(same).all()
    # a thermal camera looking at the right half of the RGB view only
    right_half = pixel_scale((16, 12), (32, 48))
    right_half[0, 2] += 32.0
    warped = thermal_on_rgb_grid(thermal, right_half, (64, 48))
    assert np.isnan(warped[:, :31]).all() and np.isfinite(warped[:, 33:]).all()
    assert overlap_box(np.isfinite(warped))[0] in (31, 32)
    assert overlap_box(np.zeros((4, 4), bool)) is None
    assert math.isclose(float(np.nanmax(warped)), float(thermal.max()), abs_tol=1e-3)
