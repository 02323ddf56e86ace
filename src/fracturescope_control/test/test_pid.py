from fracturescope_control.output_limits import OutputLimits, limit_output
from fracturescope_control.pid import PidController, PidParameters
import pytest

PARAMS = PidParameters(kp=0.02, ki=0.2, kd=0.0, derivative_filter_s=0.2, tracking_s=0.5, alpha=1.0, beta=1.0,
                       period_s=0.2, standard_range_mm=0.0)


def test_proportional_and_integral_terms_by_hand():
    pid = PidController(PARAMS)
    pid.reset(30.0, 30.0)
    # e = 10 mm: P = 0.2 Hz, I = 0.2 * 10 * 0.2 = 0.4 Hz -> u = -0.6 Hz, split -0.3 / +0.3
    assert pid.update(1010.0, 1000.0) == pytest.approx((29.7, 30.3))


def test_derivative_on_measurement_is_filtered():
    pid = PidController(PidParameters(**{**PARAMS.__dict__, 'kp': 0.0, 'ki': 0.0, 'kd': 0.1}))
    pid.reset(30.0, 30.0)
    pid.update(1000.0, 1000.0)
    # moved 2 mm in 0.2 s = 10 mm/s; filter blend 0.2 / (0.2 + 0.2) = 0.5 -> 5 mm/s * 0.1 = 0.5 Hz
    assert pid.update(1002.0, 1000.0) == pytest.approx((29.75, 30.25))
    # A new standard is not a kick: the derivative follows the measurement only.
    assert pid.update(1002.0, 900.0)[0] == pytest.approx(30.0 - 0.125)


def _run_saturated(anti_windup: bool):
    """20 s pinned at the limit by a huge error, then the error flips sign; slots until the output leaves the limit."""
    params = PidParameters(**{**PARAMS.__dict__, 'tracking_s': 0.5 if anti_windup else 1e9})
    limits = OutputLimits(25.0, 35.0, 100.0)
    pid, output = PidController(params), (30.0, 30.0)
    pid.reset(*output)
    for _ in range(100):
        output = limit_output(output, pid.update(1200.0, 1000.0), limits, 0.2)
        pid.applied(*output)
    assert output == (25.0, 35.0)
    for slot in range(1, 500):
        output = limit_output(output, pid.update(990.0, 1000.0), limits, 0.2)
        pid.applied(*output)
        if output[0] > 25.0:
            return slot, pid.integral
    return None, pid.integral


def test_anti_windup_keeps_the_integrator_near_what_can_be_applied():
    slots_with, integral_with = _run_saturated(anti_windup=True)
    slots_without, integral_without = _run_saturated(anti_windup=False)
    assert slots_with is not None and slots_with <= 10          # about 1 s to come off the limit
    assert slots_without is None                                 # still pinned 100 s later without it
    assert abs(integral_with) < 20 < 100 < abs(integral_without)
