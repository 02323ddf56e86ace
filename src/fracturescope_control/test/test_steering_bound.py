"""The steering bound: the differential stays within reach of what the line confirmed, and within the authority."""

import math

from fracturescope_control.steering_bound import SteeringBound, SteeringBoundConfig
import pytest

CONFIG = SteeringBoundConfig(alpha=1.0, beta=1.0, gamma_hz_per_mm=0.05, unconfirmed_mm=50.0, max_steering_mm=200.0,
                             confirm_band_mm=10.0, response_s=0.6, trust_after_s=3.0,
                             follow_fraction=0.5)


def test_unconfirmed_steering_is_bounded_and_the_change_split_between_the_rolls():
    bound = SteeringBound(CONFIG, (30.0, 30.0))
    assert bound.limit((31.0, 29.0)) == ((31.0, 29.0), False)          # 2 Hz = 40 mm: inside
    (left, right), limited = bound.limit((40.0, 20.0))                # 20 Hz wanted, 2.5 Hz allowed
    assert limited and math.isclose(left - right, 2.5) and math.isclose(left + right, 60.0)
    assert bound.limit((math.nan, 30.0)) == ((math.nan, 30.0), False)  # left to the output limits


def test_an_output_is_confirmed_by_a_sheet_near_standard_after_the_line_response():
    bound = SteeringBound(CONFIG, (30.0, 30.0))
    bound.commanded(0.0, (31.0, 29.0))
    bound.observed(0.4, 3.0)              # too early: the sheet cannot show this output yet
    assert bound.confirmed == 0.0
    bound.commanded(0.4, (32.0, 28.0))
    bound.observed(0.7, -25.0)            # far from the standard, and not where the output moved it: confirms nothing
    assert bound.confirmed == 0.0
    bound.observed(0.8, -4.0)             # near standard 0.8 s after the 2 Hz output
    assert bound.confirmed == 2.0
    assert bound.limit((35.0, 25.0))[0] == pytest.approx((32.25, 27.75))   # 2 + 2.5 Hz


def test_a_spoofer_reporting_a_far_deviation_moves_the_operating_point_nowhere():
    bound = SteeringBound(CONFIG, (30.0, 30.0))
    for i in range(100):
        wanted = (30.0 + i, 30.0 - i)
        output, _ = bound.limit(wanted)
        bound.commanded(i * 0.2, output)
        bound.observed(i * 0.2, -500.0)
    assert bound.differential(output) == pytest.approx(2.5)   # 50 mm at 0.05 Hz/mm, then held


def test_the_authority_bounds_a_slowly_confirmed_drift():
    bound = SteeringBound(CONFIG, (30.0, 30.0))
    for i in range(400):           # a spoofer imitating a sheet that arrives: near standard every time
        output, _ = bound.limit((30.0 + i * 0.05, 30.0 - i * 0.05))
        bound.commanded(i * 0.2, output)
        bound.observed(i * 0.2, 5.0)
    assert bound.differential(output) == pytest.approx(10.0)  # 200 mm, not 40 Hz


def test_config_is_checked():
    with pytest.raises(ValueError):
        SteeringBoundConfig(1.0, 1.0, 0.0, 50.0, 200.0, 10.0, 0.6, 3.0, 0.5)
    with pytest.raises(ValueError):
        SteeringBoundConfig(1.0, 1.0, 0.05, 50.0, 200.0, 10.0, 0.6, 3.0, 0.0)


def _close_the_loop(bound: SteeringBound, report, start_mm: float, seconds: float, gamma: float = 0.06,
                    latency_periods: int = 0, stamped: bool = True) -> list[float]:
    """A proportional controller steering the eq. 10 line (0.15 s dead time, 0.15 s lag, 5 Hz) through the bound;
    `report(true_mm, differential_hz)` is what the measurement says, `latency_periods` control periods after the
    camera saw it (`stamped`: observed at that time, else at arrival). The true deviations, per period."""
    period, delay, lag = 0.2, 0.15, 0.15
    sheet, output, history, trace, seen = start_mm, (30.0, 30.0), [], [], []
    for i in range(int(seconds / period)):
        now = i * period
        for k in range(20):                                   # the line between two control periods
            t = now - period + (k + 1) * period / 20
            felt = next((u for ts, u in reversed(history) if ts <= t - delay), 0.0)
            sheet += (start_mm + felt / gamma - sheet) * min(period / 20 / lag, 1.0)
        trace.append(sheet)
        seen.append((now, report(sheet, bound.differential(output))))
        if len(seen) > latency_periods:
            seen_s, deviation = seen[-1 - latency_periods]
            bound.observed(seen_s if stamped else now, deviation)
        else:
            deviation = 0.0
        wanted_change = -0.3 * deviation * 0.05               # Hz: a fraction of what eq. 10 needs
        output, _ = bound.limit((output[0] + wanted_change / 2, output[1] - wanted_change / 2))
        bound.commanded(now, output)
        history.append((now, bound.differential(output)))
    return trace


def test_a_real_camera_that_starts_late_walks_the_bound_back_to_the_standard():
    # The sheet drifted 82 mm while no edge was measured (a start-up outage): 50 mm of unconfirmed steering alone
    # would hold it 32 mm off. The measurements follow each output change, so each is confirmed in turn.
    bound = SteeringBound(CONFIG, (30.0, 30.0))
    trace = _close_the_loop(bound, lambda true_mm, _: true_mm, start_mm=82.0, seconds=30.0)
    assert abs(trace[-1]) < 2.0 and bound.trusted
    assert min(trace) > -10.0                                  # no overshoot came with it


def test_a_camera_0_4_s_late_still_walks_the_bound_back_to_the_standard():
    # 0.4 s from the camera to the loop (a loaded machine), each measurement observed at its stamp.
    bound = SteeringBound(CONFIG, (30.0, 30.0))
    trace = _close_the_loop(bound, lambda true_mm, _: true_mm, start_mm=82.0, seconds=40.0, latency_periods=2)
    assert abs(trace[-1]) < 2.0 and bound.trusted


def test_a_spoofer_whose_reports_do_not_follow_the_rolls_is_held_within_the_unconfirmed_steering():
    for report in (lambda true_mm, _: 82.0,                    # a constant far deviation
                   lambda true_mm, u: 82.0 - 40.0 * u,         # one moving against the rolls
                   lambda true_mm, u: 82.0 + 0.2 * true_mm):    # one following the sheet a fifth of the way
        bound = SteeringBound(CONFIG, (30.0, 30.0))
        trace = _close_the_loop(bound, report, start_mm=0.0, seconds=30.0)
        assert max(abs(x) for x in trace) <= 50.0 * 0.05 / 0.06 + 0.1   # 50 mm at the smallest gamma
        assert not bound.trusted


def test_a_trusted_source_may_follow_a_disturbance_and_a_new_source_starts_untrusted():
    bound = SteeringBound(CONFIG, (30.0, 30.0))
    for i in range(20):                        # 4 s of the sheet at the standard
        bound.commanded(i * 0.2, (30.0, 30.0))
        bound.observed(i * 0.2, 2.0)
    assert bound.trusted
    assert bound.limit((34.5, 25.5)) == ((34.5, 25.5), False)     # 9 Hz = 180 mm: within the authority only
    bound.commanded(4.0, (33.0, 27.0))
    bound.new_source()
    assert not bound.trusted and bound.confirmed == 6.0            # bounded around the output running then
    assert bound.differential(bound.limit((40.0, 20.0))[0]) == pytest.approx(8.5)
    bound.observed(4.2, 40.0)                  # far from the standard: trust is not regained
    assert not bound.trusted
