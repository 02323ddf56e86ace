"""The measurement guard: one source, stamps by the receiver's clock, and the line's physics."""

import math

from fracturescope_control.measurement_guard import EdgeSample, MeasurementGuard, PlausibilityLimits, Refusal
import pytest

LIMITS = PlausibilityLimits(max_age_s=0.5, max_future_s=0.2, max_edge_speed_mm_s=250.0, jump_mm=10.0,
                            width_range_mm=(1000.0, 2000.0), source_timeout_s=1.0)


def sample(t, left=250.0, right=1750.0, source='tracker', age=0.05):
    return EdgeSample(left, right, t - age, t, source)


def test_a_steady_stream_is_admitted():
    guard = MeasurementGuard(LIMITS)
    assert all(guard.admit(sample(i / 30, 250.0 + i, 1750.0 + i), True) is None for i in range(60))
    assert guard.source == 'tracker'


@pytest.mark.parametrize('bad, refusal', [
    (EdgeSample(250.0, 1750.0, 1.0 - 0.6, 1.0, 'tracker'), Refusal.OLD),
    (EdgeSample(250.0, 1750.0, math.nan, 1.0, 'tracker'), Refusal.OLD),
    (EdgeSample(250.0, 1750.0, 1.0 + 0.3, 1.0, 'tracker'), Refusal.FUTURE),
    (EdgeSample(250.0, 1750.0, 0.9 - 0.05, 1.0, 'tracker'), Refusal.OUT_OF_ORDER),  # older than the last admitted
    (sample(1.0, 250.0 - 40.0, 1750.0 - 40.0), Refusal.JUMP),   # 40 mm in 0.1 s: beyond 250 mm/s + 10 mm
    (sample(1.0, 250.0, 1150.0), Refusal.WIDTH),
    (sample(1.0, 250.0, 2350.0), Refusal.WIDTH),
    (sample(1.0, source='intruder'), Refusal.FOREIGN_SOURCE),
])
def test_refusals(bad, refusal):
    guard = MeasurementGuard(LIMITS)
    assert guard.admit(sample(0.9), True) is None
    assert guard.admit(bad, True) == refusal
    assert guard.admit(sample(1.1, 255.0, 1755.0), True) is None   # the followed stream goes on


def test_the_allowed_jump_grows_with_the_time_since_the_last_admitted():
    guard = MeasurementGuard(LIMITS)
    assert guard.admit(sample(0.0), True) is None
    assert guard.admit(sample(0.1, 290.0, 1790.0), True) == Refusal.JUMP
    assert guard.admit(sample(0.3, 290.0, 1790.0), True) is None  # 40 mm in 0.3 s: plausible


def test_a_sample_without_edges_is_checked_for_source_and_stamp_only():
    guard = MeasurementGuard(LIMITS)
    assert guard.admit(sample(0.0), True) is None
    assert guard.admit(sample(0.1, math.nan, math.nan), False) is None          # no material, same source
    assert guard.admit(sample(0.1, math.nan, math.nan, source='intruder'), False) == Refusal.FOREIGN_SOURCE
    assert guard.admit(EdgeSample(math.nan, math.nan, 9e9, 0.2, 'tracker'), False) == Refusal.FUTURE


def test_a_new_source_is_followed_only_when_the_old_one_is_gone_and_it_is_alone():
    guard = MeasurementGuard(LIMITS)
    assert guard.admit(sample(0.0), True) is None
    assert guard.admit(sample(0.5, source='respawned'), True) == Refusal.FOREIGN_SOURCE
    assert guard.admit(sample(0.6, source='intruder'), True) == Refusal.FOREIGN_SOURCE
    # 1.2 s: the tracker silent for 1.2 s, but 'respawned' and 'intruder' both alive -> neither is followed
    assert guard.admit(sample(1.2, source='respawned'), True) == Refusal.CONFLICTING_SOURCES
    assert guard.admit(sample(1.3, source='intruder'), True) == Refusal.CONFLICTING_SOURCES
    # the intruder goes quiet: the respawned tracker alone is followed, with a fresh history (no jump check)
    assert guard.admit(sample(2.4, 400.0, 1900.0, source='respawned'), True) is None
    assert guard.source == 'respawned'


def test_limits_are_checked():
    with pytest.raises(ValueError):
        PlausibilityLimits(0.5, 0.2, -1.0, 10.0, (1000.0, 2000.0), 1.0)
    with pytest.raises(ValueError):
        PlausibilityLimits(0.5, 0.2, 250.0, 10.0, (2000.0, 1000.0), 1.0)
