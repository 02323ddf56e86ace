from fracturescope_perception.fusion.thermal_background import smooth_background
import numpy as np


def _scene(h=96, w=128):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    field = 20.0 + 0.04 * x + 0.02 * y              # 5 K gradient across the frame
    field[:, 70:] += 4.0                              # sun / shade edge
    return field


def test_gradient_and_sun_edge_are_removed_but_a_defect_stays():
    scene = _scene()
    defect = np.zeros_like(scene)
    defect[40:48, 20:28] = -2.5                       # evaporative cooling of a small leak
    residual = scene + defect - smooth_background(scene + defect, 4, 9)
    away = np.ones_like(scene, bool)
    away[36:52, 16:32] = False
    away[:, 62:78] = False                            # the edge itself: the background is exact to a cell
    assert np.abs(residual[away]).max() < 0.35
    assert residual[42:46, 22:26].mean() < -2.0      # the leak keeps (nearly) its whole contrast
    # without background removal the frame's median would leave the sun edge as a 4 K contrast
    assert np.ptp(scene - np.median(scene)) > 8.0


def test_unseen_pixels_are_ignored_and_stay_unseen():
    scene = _scene()
    scene[:, :30] = np.nan
    background = smooth_background(scene, 4, 9)
    assert np.isnan(background[:, :30]).all() and np.isfinite(background[:, 30:]).all()
    assert np.isnan(smooth_background(np.full((8, 8), np.nan, np.float32), 4, 3)).all()


def test_nan_median_matches_numpy():
    from fracturescope_perception.fusion.thermal_background import nan_median
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (50, 7)).astype(np.float32)
    x[rng.random(x.shape) < 0.3] = np.nan
    x[3] = np.nan
    expected = np.array([np.nan if np.isnan(row).all() else np.nanmedian(row) for row in x], np.float32)
    assert np.allclose(nan_median(x), expected, equal_nan=True)
