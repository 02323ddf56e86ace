"""The steering bound: the differential stays within reach of what the line confirmed, and within the authority."""

import math

from fracturescope_control.steering_bound import SteeringBound, SteeringBoundConfig
import pytest

CONFIG = SteeringBoundConfig(alpha=1.0, beta=1.0, gamma_hz_per_mm=0.05, unconfirmed_mm=50.0, max_steering_mm=200.0,
                             confirm_band_mm=10.0, response_s=0.6, trust_after_s=3.0)


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
    bound.observed(0.7, 25.0)             # far from the standard: confirms nothing
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
        SteeringBoundConfig(1.0, 1.0, 0.0, 50.0, 200.0, 10.0, 0.6, 3.0)


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
