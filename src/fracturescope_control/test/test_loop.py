"""The control loop: modes, operator commands, and the property that no input ever drives the output out of limits."""

from dataclasses import replace
import math

from fracturescope_control.loop import ControlLoop, LoopConfig, Measurement, Mode
from fracturescope_control.msnf import MsnfController, MsnfParameters
from fracturescope_control.output_limits import OutputLimits
from fracturescope_control.pid import PidController, PidParameters
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

LIMITS = OutputLimits(5.0, 50.0, 5.0)
CONFIG = LoopConfig(LIMITS, 0.2, 0.5, (0.0 + 5.0, 5.0), (30.0, 30.0), (250.0, 1750.0))
MSNF = MsnfParameters(alpha=1.0, beta=1.0, gamma_initial=0.05, gamma_min=0.01, gamma_max=0.25, gamma_forgetting=0.98,
                      gamma_prior_hz2=1.0, min_excitation_hz=0.1, window=4, drift_window=2, standard_range_mm=1.0,
                      dead_time_slots=2.0, lag_slots=0.0, drift_lead_slots=0.0, max_drift_mm=6.0)
PID = PidParameters(kp=0.02, ki=0.2, kd=0.005, derivative_filter_s=0.2, tracking_s=0.5, alpha=1.0, beta=1.0,
                    period_s=0.2, standard_range_mm=0.0)


def make(kind='msnf'):
    return ControlLoop(MsnfController(MSNF) if kind == 'msnf' else PidController(PID), CONFIG)


def test_rectifies_toward_the_standard_and_slews():
    loop = make()
    loop.measure(Measurement(280.0, 1780.0, True, 0.0))   # 30 mm right of standard
    out = loop.tick(0.1)
    assert out.mode == Mode.AUTO and out.hold_reason is None
    assert out.f_left_hz < 30.0 < out.f_right_hz        # moves the sheet left (eq. 10 sign)
    assert (out.error_left_mm, out.error_right_mm) == (30.0, 30.0)
    assert 30.0 - out.f_left_hz <= LIMITS.slew_hz_per_s * CONFIG.period_s + 1e-12


@pytest.mark.parametrize('measurement, now, reason', [
    (None, 0.0, 'stale'),
    (Measurement(280.0, 1780.0, True, 0.0), 0.6, 'stale'),
    (Measurement(math.nan, 1780.0, True, 0.0), 0.1, 'invalid'),
    (Measurement(280.0, 1780.0, False, 0.0), 0.1, 'invalid'),
])
def test_holds_without_a_usable_measurement(measurement, now, reason):
    loop = make()
    if measurement:
        loop.measure(measurement)
    out = loop.tick(now)
    assert (out.mode, out.hold_reason, out.f_left_hz, out.f_right_hz) == (Mode.HOLD, reason, 30.0, 30.0)
    assert math.isnan(out.error_left_mm)


def test_a_lost_edge_holds_then_goes_slewed_to_the_lost_edge_output_and_measurements_bring_control_back():
    loop = ControlLoop(MsnfController(MSNF), replace(CONFIG, lost_timeout_s=1.0, lost_output_hz=(30.0, 30.0)))
    t = 0.0
    for _ in range(15):                                  # the sheet 60 mm off: the rolls steer away from 30 Hz
        t += 0.2
        loop.measure(Measurement(310.0, 1810.0, True, t))
        out = loop.tick(t)
    steered = (out.f_left_hz, out.f_right_hz)
    assert out.mode == Mode.AUTO and steered[0] < 29.0
    outputs = []
    for _ in range(30):                                  # the edge is lost: the tracker says so
        t += 0.2
        loop.measure(Measurement(math.nan, math.nan, False, t))
        outputs.append(loop.tick(t))
    held = [o for o in outputs if o.hold_reason == 'invalid']
    assert len(held) == 5 and all((o.f_left_hz, o.f_right_hz) == steered for o in held)   # held for 1 s
    going = [o for o in outputs if o.hold_reason == 'lost']
    assert all(o.mode == Mode.HOLD for o in going) and len(going) == 25
    steps = [abs(b.f_left_hz - a.f_left_hz) for a, b in zip(outputs[4:], outputs[5:], strict=False)]
    assert max(steps) <= LIMITS.slew_hz_per_s * CONFIG.period_s + 1e-9     # slewed, not a jump
    assert (going[-1].f_left_hz, going[-1].f_right_hz) == (30.0, 30.0)
    t += 0.2
    loop.measure(Measurement(310.0, 1810.0, True, t))    # the edge is back: control again, the timeout reset
    assert loop.tick(t).mode == Mode.AUTO
    t += 0.2
    loop.measure(Measurement(math.nan, math.nan, False, t))
    assert loop.tick(t).hold_reason == 'invalid'


def test_operator_commands():
    loop = make('pid')
    loop.measure(Measurement(280.0, 1780.0, True, 0.0))
    loop.stop()
    assert loop.tick(0.1).mode == Mode.HOLD
    assert loop.manual(60.0, 10.0)                       # clamped to 50, slewed 1 Hz per 0.2 s tick
    out = loop.tick(0.3)
    assert (out.mode, out.f_left_hz, out.f_right_hz) == (Mode.MANUAL, 31.0, 29.0)
    assert not loop.manual(math.nan, 10.0)
    out = loop.estop(0.35)                               # at once, no slew
    assert (out.mode, out.f_left_hz, out.f_right_hz) == (Mode.ESTOP, 5.0, 5.0)
    loop.stop()
    assert not loop.manual(20.0, 20.0)                   # only resume leaves an e-stop
    assert loop.tick(0.5).mode == Mode.ESTOP
    loop.resume()
    loop.measure(Measurement(280.0, 1780.0, True, 0.65))
    out = loop.tick(0.7)
    assert out.mode == Mode.AUTO and abs(out.f_left_hz - 5.0) <= 1.0 + 1e-12
    assert loop.set_standard(300.0, 1800.0) and loop.standard == (300.0, 1800.0)
    assert not loop.set_standard(1800.0, 300.0) and not loop.set_standard(math.nan, 1.0)


def test_start_and_safe_outputs_must_be_within_limits():
    with pytest.raises(ValueError):
        ControlLoop(MsnfController(MSNF), LoopConfig(LIMITS, 0.2, 0.5, (0.0, 0.0), (30.0, 30.0), (250.0, 1750.0)))


reals = st.floats(allow_nan=True, allow_infinity=True, width=64)
events = st.lists(st.one_of(
    st.tuples(st.just('measure'), reals, reals, st.booleans(), st.floats(0.0, 2.0)),
    st.tuples(st.just('tick'), st.floats(0.0, 1.0)),
    st.tuples(st.just('manual'), reals, reals),
    st.tuples(st.just('standard'), reals, reals),
    st.tuples(st.sampled_from(['stop', 'resume', 'estop'])),
), max_size=80)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(['msnf', 'pid']), script=events)
def test_output_never_leaves_the_limits(kind, script):
    """Any sequence of measurements (NaN, inf, huge, stale), commands and ticks: every output is writable."""
    loop, now = make(kind), 0.0
    for event in script:
        match event:
            case ('measure', left, right, usable, age):
                loop.measure(Measurement(left, right, usable, now - age))
            case ('tick', dt):
                now += dt
                out = loop.tick(now)
                assert LIMITS.contains(out.f_left_hz) and LIMITS.contains(out.f_right_hz), out
            case ('manual', left, right):
                loop.manual(left, right)
            case ('standard', left, right):
                loop.set_standard(left, right)
            case ('estop',):
                out = loop.estop(now)
                assert (out.f_left_hz, out.f_right_hz) == CONFIG.safe_output_hz
            case (command,):
                getattr(loop, command)()
    assert all(LIMITS.contains(f) for f in loop.output)


def guarded_loop():
    from fracturescope_control.measurement_guard import PlausibilityLimits
    from fracturescope_control.steering_bound import SteeringBoundConfig
    config = replace(CONFIG, plausibility=PlausibilityLimits(0.5, 0.2, 250.0, 35.0, (1000.0, 2000.0), 1.0),
                     steering=SteeringBoundConfig(1.0, 1.0, 0.05, 50.0, 200.0, 10.0, 0.6, 3.0, 0.5))
    return ControlLoop(MsnfController(MSNF), config)


def test_refused_measurements_do_not_drive_and_the_hold_says_why():
    loop = guarded_loop()
    assert loop.measure(Measurement(250.0, 1750.0, True, 0.0, stamp_s=0.0, source='tracker')) is None
    assert loop.tick(0.1).mode == Mode.AUTO
    assert loop.measure(Measurement(-250.0, 1250.0, True, 0.2, stamp_s=0.2, source='spoofer')) == 'foreign_source'
    assert loop.measure(Measurement(250.0, 1750.0, True, 0.3, stamp_s=9e9, source='tracker')) == 'future'
    out = loop.tick(0.7)                      # the last admitted one is stale, newer ones were refused
    assert (out.mode, out.hold_reason) == (Mode.HOLD, 'refused')


def test_a_stream_that_never_shows_the_sheet_arriving_is_held_at_the_steering_bound():
    loop = guarded_loop()
    for i in range(100):                      # 25 mm left of standard, whatever the rolls do
        t = i * 0.2
        loop.measure(Measurement(225.0, 1725.0, True, t, stamp_s=t - 0.05, source='spoofer'))
        out = loop.tick(t)
    assert (out.mode, out.hold_reason) == (Mode.HOLD, 'unconfirmed')
    assert out.f_left_hz - out.f_right_hz == pytest.approx(50.0 * 0.05)   # 50 mm to the right, no more


def test_staleness_is_counted_from_the_stamp_not_from_arrival():
    loop = make()
    loop.measure(Measurement(280.0, 1780.0, True, 10.45, stamp_s=10.0))   # arrived 0.45 s after the camera saw it
    assert loop.tick(10.4 + 0.1).mode == Mode.AUTO
    out = loop.tick(10.9)                                                  # 0.9 s after the camera, 0.45 after arrival
    assert (out.mode, out.hold_reason) == (Mode.HOLD, 'stale')


def test_the_steering_bound_confirms_the_output_running_a_line_response_before_the_camera_saw_the_sheet():
    loop = guarded_loop()
    for i, output in enumerate(((31.0, 29.0), (32.0, 28.0), (33.0, 27.0))):   # differential 2, 4, 6 Hz
        loop.steering.commanded(i * 0.4, output)
    # Seen at 0.7 s (the output of 0 s had settled), arrived 0.5 s later (when the output of 0.4 s had): the first.
    assert loop.measure(Measurement(246.0, 1746.0, True, 1.2, stamp_s=0.7, source='tracker')) is None
    assert loop.steering.confirmed == 2.0


def test_the_rolls_slew_by_the_time_that_passed_between_ticks():
    """Ticks start early or late around the period (slot_pacer.py): never more than slew_hz_per_s per second."""
    loop = make('pid')
    loop.stop()
    assert loop.tick(0.0).f_left_hz == 30.0
    assert loop.manual(50.0, 10.0)
    lefts = [30.0] + [loop.tick(t).f_left_hz for t in (0.1, 0.12, 0.32, 2.0, 2.0)]  # 0.1 s, 20 ms, 0.2 s, stall, 0
    moved = [b - a for a, b in zip(lefts, lefts[1:], strict=False)]
    assert moved == pytest.approx([s * LIMITS.slew_hz_per_s for s in (0.1, 0.02, 0.2, 0.2, 0.0)])
