import math

from fracturescope_control.output_limits import (
    OutputLimits,
    clamp,
    in_standard_range,
    limit_output,
    measurement_problem,
    slew,
)
import pytest

LIMITS = OutputLimits(5.0, 50.0, 5.0)


def test_clamp_and_slew():
    assert clamp(60.0, LIMITS) == 50.0 and clamp(-1.0, LIMITS) == 5.0 and clamp(20.0, LIMITS) == 20.0
    assert slew(30.0, 40.0, 1.0) == 31.0 and slew(30.0, 29.5, 1.0) == 29.5
    assert limit_output((30.0, 30.0), (40.0, 10.0), LIMITS, 0.2) == (31.0, 29.0)
    assert limit_output((49.5, 30.0), (math.inf, math.nan), LIMITS, 0.2) == (49.5, 30.0)  # non-finite: kept


def test_limits_must_be_a_range():
    for bad in ((5.0, 5.0, 1.0), (math.nan, 50.0, 1.0), (5.0, 50.0, 0.0)):
        with pytest.raises(ValueError):
            OutputLimits(*bad)
    assert LIMITS.contains(5.0) and not LIMITS.contains(50.01) and not LIMITS.contains(math.nan)


def test_deadband_and_measurement_checks():
    assert in_standard_range(-2.0, 2.0) and not in_standard_range(2.1, 2.0)
    assert measurement_problem(100.0, 900.0, True, 0.1, 0.5) is None
    assert measurement_problem(100.0, 900.0, True, 0.6, 0.5) == 'stale'
    assert measurement_problem(100.0, 900.0, True, math.nan, 0.5) == 'stale'
    for left, right, usable in ((math.nan, 900.0, True), (100.0, math.inf, True), (900.0, 100.0, True),
                                (100.0, 900.0, False)):
        assert measurement_problem(left, right, usable, 0.0, 0.5) == 'invalid'
