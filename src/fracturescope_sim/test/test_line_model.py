"""The line model: eq. 10 at rest, delay, lag, drive limits and slew, disturbances, seeding."""

from dataclasses import replace

from fracturescope_sim.line_model import LineModel, LineParameters, mis_tuned
import pytest

BASE = LineParameters(
    alpha=1.0, beta=1.0, gamma=0.05, gamma_scale=1.0, factor_speed_sensitivity=(0.0, 0.0, 0.0), conveyor_speed=1.2,
    speed_variation=0.0, speed_period_s=40.0, f_nominal_hz=30.0, f_min_hz=5.0, f_max_hz=50.0, slew_hz_per_s=5.0,
    transport_delay_s=0.1, lag_s=0.15, width_mm=1500.0, start_centre_mm=1000.0, rest_centre_mm=1000.0,
    disturbance='none', disturbance_speed_mm_s=20.0, gaussian_correlation_s=2.0, gaussian_leak_s=10.0,
    sine_period_s=8.0, step_period_s=6.0, step_size=1.0, seed=3)


def run(model, seconds, dt=0.01):
    states = [model.step(dt) for _ in range(round(seconds / dt))]
    return states


def test_eq10_at_rest_delay_and_lag():
    model = LineModel(BASE)
    model.command(31.0, 29.0)                         # u = +2 Hz -> +2 / 0.05 = +40 mm at rest
    states = run(model, 3.0)
    assert states[5].centre_mm == pytest.approx(1000.0)        # before the 0.1 s transport delay
    assert states[-1].centre_mm == pytest.approx(1040.0, abs=0.01)
    assert states[-1].left_mm == pytest.approx(1040.0 - 750.0, abs=0.01)
    assert states[-1].right_mm - states[-1].left_mm == pytest.approx(1500.0)
    # The drive slews at 5 Hz/s: 1 Hz takes 0.2 s.
    assert states[9].f_left_hz == pytest.approx(30.5) and states[30].f_left_hz == pytest.approx(31.0)


def test_drive_limits_and_mis_tuned_gamma():
    model = LineModel(mis_tuned(BASE, 2.0))
    model.command(500.0, -3.0)
    state = run(model, 20.0)[-1]
    assert (state.f_left_hz, state.f_right_hz) == (50.0, 5.0)
    assert state.gamma == pytest.approx(0.1)
    assert state.centre_mm == pytest.approx(1000.0 + 45.0 / 0.1, abs=0.1)


def test_ratio_factors_drift_with_conveyor_speed():
    model = LineModel(replace(BASE, speed_variation=0.1, factor_speed_sensitivity=(0.3, 0.3, 0.5),
                              speed_period_s=4.0))
    gammas = [s.gamma for s in run(model, 4.0)]
    assert max(gammas) == pytest.approx(0.05 * 1.05, rel=1e-3) and min(gammas) == pytest.approx(0.05 * 0.95, rel=1e-3)


@pytest.mark.parametrize('kind', ['gaussian', 'sinusoidal', 'step'])
def test_disturbances_move_the_sheet_1_to_3_cm_per_second_and_are_seeded(kind):
    states = run(LineModel(replace(BASE, disturbance=kind)), 30.0)
    again = run(LineModel(replace(BASE, disturbance=kind)), 30.0)
    assert [s.centre_mm for s in states] == [s.centre_mm for s in again]
    other = run(LineModel(replace(BASE, disturbance=kind, seed=4)), 30.0)
    if kind != 'sinusoidal':
        assert [s.centre_mm for s in states] != [s.centre_mm for s in other]
    moved = max(abs(s.disturbance_mm) for s in states)
    assert 10.0 <= moved <= 150.0
    if kind == 'sinusoidal':   # peak speed 20 mm/s -> amplitude 20 * 8 / 2 pi
        assert moved == pytest.approx(20.0 * 8.0 / (2 * 3.141592653589793), rel=0.01)


def test_bad_parameters_and_commands():
    with pytest.raises(ValueError):
        LineModel(replace(BASE, disturbance='earthquake'))
    with pytest.raises(ValueError):
        LineModel(replace(BASE, f_nominal_hz=60.0))
    model = LineModel(BASE)
    model.command(float('nan'), 10.0)                 # ignored, as a drive ignores a garbage setpoint
    assert run(model, 0.5)[-1].f_left_hz == 30.0
