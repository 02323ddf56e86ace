import math

from fracturescope_control.slot_pacer import SlotPacer
import pytest

PERIOD, EARLY, LATE, CHECK = 0.2, 0.02, 0.05, 0.01   # config/control.yaml; the node checks the clock every 10 ms


def run(pacer, seconds, frames_at):
    """Events in time order (measurement arrivals, clock checks): the slots started, as (time, by)."""
    events = sorted([(t, 'frame') for t in frames_at] + [(i * CHECK, 'clock') for i in range(round(seconds / CHECK))])
    slots = []
    for t, kind in events:
        if (pacer.on_measurement(t) if kind == 'frame' else pacer.on_clock(t)):
            slots.append((t, kind))
    return slots


def frames(start_s, end_s, fps=30.0, offset_s=0.004):
    first, last = (math.ceil((t - offset_s) * fps) for t in (start_s, end_s))
    return [offset_s + i / fps for i in range(first, last)]


@pytest.mark.parametrize('fps', [30.0, 25.0, 60.0])
def test_a_camera_starts_every_slot_at_the_configured_rate_on_average(fps):
    slots = run(SlotPacer(PERIOD, EARLY, LATE), 20.0, frames(0.0, 20.0, fps))
    # the clock starts the first slot (the start output); from then on each write answers the frame that just came
    assert slots[0] == (0.0, 'clock') and {by for _, by in slots[1:]} == {'frame'}
    assert len(slots) == pytest.approx(20.0 / PERIOD, abs=1)   # 5 Hz on average, whatever the camera's rate
    gaps = [b[0] - a[0] for a, b in zip(slots[1:], slots[2:], strict=False)]
    assert min(gaps) >= PERIOD - EARLY - 1e-9 - 1 / fps and max(gaps) <= PERIOD + 1 / fps + 1e-9


def test_a_camera_slower_than_the_slots_does_not_slow_the_writes():
    slots = run(SlotPacer(PERIOD, EARLY, LATE), 20.0, frames(0.0, 20.0, fps=7.0))
    assert {by for _, by in slots} == {'clock', 'frame'}
    assert len(slots) == pytest.approx(20.0 / PERIOD, abs=1)
    gaps = [b[0] - a[0] for a, b in zip(slots, slots[1:], strict=False)]
    assert max(gaps) <= PERIOD + LATE + CHECK + 1e-9


def test_without_measurements_the_clock_starts_a_slot_every_period():
    slots = run(SlotPacer(PERIOD, EARLY, LATE), 5.0, [])
    gaps = [b[0] - a[0] for a, b in zip(slots, slots[1:], strict=False)]
    assert {by for _, by in slots} == {'clock'}
    assert gaps[0] == pytest.approx(PERIOD + LATE, abs=CHECK + 1e-9)   # the first slot's end, then late_s
    assert all(g == pytest.approx(PERIOD, abs=CHECK + 1e-9) for g in gaps[1:])


def test_a_camera_outage_is_covered_by_the_clock_and_the_camera_takes_over_again():
    seen = frames(0.0, 4.0) + frames(6.0, 10.0)
    slots = run(SlotPacer(PERIOD, EARLY, LATE), 10.0, seen)
    outage = [(t, by) for t, by in slots if 4.0 < t < 6.0]
    assert {by for _, by in outage} == {'clock'} and len(outage) == pytest.approx(2.0 / PERIOD, abs=1)
    assert {by for t, by in slots if t > 6.3} == {'frame'}
    gaps = [b[0] - a[0] for a, b in zip(slots, slots[1:], strict=False)]
    assert max(gaps) <= PERIOD + LATE + CHECK + 1e-9        # never a slot skipped
    assert len(slots) == pytest.approx(10.0 / PERIOD, abs=2)


def test_after_a_stall_slots_start_on_a_new_grid_without_a_burst_of_catch_up():
    pacer = SlotPacer(PERIOD, EARLY, LATE)
    assert pacer.on_measurement(0.0)
    assert pacer.on_clock(1.5)                  # the process stalled for 1.5 s: one slot, not seven
    assert not pacer.on_clock(1.51) and not pacer.on_measurement(1.6)
    assert pacer.on_measurement(1.5 + PERIOD - EARLY)


@pytest.mark.parametrize('stall_s', [PERIOD / 2, PERIOD - EARLY + 0.001, PERIOD + LATE + 0.04])
def test_after_a_short_stall_queued_measurements_start_one_slot_not_two(stall_s):
    # Edges are reliable, keep-all: after the executor stalls, the queued ones arrive back to back.
    pacer = SlotPacer(PERIOD, EARLY, LATE)
    assert pacer.on_measurement(0.0)
    late = PERIOD + stall_s
    starts = [t for t in (late, late + 0.0001, late + 0.0002) if pacer.on_measurement(t)]
    assert starts == [late]
    assert not pacer.on_clock(late + 0.01)
    assert not pacer.on_measurement(late + PERIOD / 2 - EARLY - 0.001)    # never closer than period/2 - early


def test_a_clock_that_jumps_back_does_not_silence_the_loop():
    # A looping bag rewinds /clock: the next slots start at once on the new time, not when it catches up.
    pacer = SlotPacer(PERIOD, EARLY, LATE)
    assert pacer.on_measurement(100.0)
    assert pacer.on_clock(3.0)
    assert not pacer.on_clock(3.01)
    assert pacer.on_clock(3.0 + PERIOD + LATE)


def test_a_measurement_before_the_slot_end_waits():
    pacer = SlotPacer(PERIOD, EARLY, LATE)
    assert pacer.on_measurement(10.0)
    assert not pacer.on_measurement(10.0 + PERIOD - EARLY - 0.001)
    assert not pacer.on_clock(10.0 + PERIOD + LATE - 0.001)
    assert pacer.on_measurement(10.0 + PERIOD - EARLY)


@pytest.mark.parametrize('period, early, late', [(0.0, 0.0, 0.0), (0.2, 0.2, 0.05), (0.2, 0.02, -0.1),
                                                   (0.2, 0.05, 0.05)])   # early + late must stay under period / 2
def test_impossible_settings_are_refused(period, early, late):
    with pytest.raises(ValueError):
        SlotPacer(period, early, late)
