from fracturescope_sim.edge_trajectory import gaussian_drift, named, sinusoidal_drift, step_drift, with_empty
import numpy as np
import pytest


def test_gaussian_drift_has_the_requested_spread_and_is_reproducible():
    drift = gaussian_drift(900.0, 2700.0, 10.0, 0.5, seed=1)
    ts = np.arange(0.0, 600.0, 0.5)
    lefts = np.array([drift(t).left_mm for t in ts])
    assert 6.0 < lefts.std() < 14.0
    assert abs(lefts.mean() - 900.0) < 5.0
    assert gaussian_drift(900.0, 2700.0, 10.0, 0.5, seed=1)(12.3) == drift(12.3)


def test_sinusoidal_drift_sways_with_its_period():
    drift = sinusoidal_drift(900.0, 2700.0, 20.0, 4.0)
    assert drift(1.0).left_mm == pytest.approx(920.0)
    assert drift(3.0).left_mm == pytest.approx(880.0)


def test_step_drift_moves_in_steps_with_a_ramp():
    drift = step_drift(900.0, 2700.0, 10.0, 2.0, 0.25, seed=5)
    assert drift(1.9).left_mm == 900.0
    settled = drift(2.5).left_mm
    assert abs(settled - 900.0) == pytest.approx(10.0)
    assert min(900.0, settled) < drift(2.1).left_mm < max(900.0, settled)
    assert drift(2.5).width_mm == pytest.approx(1800.0)


def test_empty_intervals_and_unknown_patterns():
    drift = with_empty(named('constant', 900.0, 2700.0, 0.0, 0), [(1.0, 2.0)])
    assert drift(1.5) is None and drift(2.0) is not None
    with pytest.raises(ValueError, match='unknown edge trajectory'):
        named('zigzag', 900.0, 2700.0, 1.0, 0)


def test_edge_steps_move_one_edge_fast_and_entering_sheets_come_down():
    from fracturescope_sim.edge_trajectory import edge_steps, entering
    steps = edge_steps(900.0, 2700.0, 40.0, 1.0, 0.3, seed=2)
    ts = np.arange(0.0, 20.0, 1 / 30)
    edges = [steps(t) for t in ts]
    dl, dr = np.diff([e.left_mm for e in edges]), np.diff([e.right_mm for e in edges])
    assert not np.any((np.abs(dl) > 1e-9) & (np.abs(dr) > 1e-9))    # one edge at a time
    assert max(np.abs(dl).max(), np.abs(dr).max()) / 1.87 > 3.0    # px per frame at the fastest
    assert np.ptp([e.width_mm for e in edges]) >= 40.0
    assert max(abs(e.left_mm - 900.0) for e in edges) <= 80.0
    entry = entering(named('constant', 900.0, 2700.0, 0.0, 0), 1.0, 1000.0)
    assert entry(0.5) is None and entry(1.5).front_mm == pytest.approx(500.0)
    assert named('fast_step', 900.0, 2700.0, 40.0, 2)(5.0) == steps(5.0)
