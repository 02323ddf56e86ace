"""The heat change over a window: found only from a sample about a window old, at any frame rate, across gaps and
replays."""

from fracturescope_perception.thermal_monitor.heat_history import HeatHistory, changes_over
import numpy as np
import pytest


def test_the_change_is_against_the_sample_nearest_one_window_ago():
    history = HeatHistory(window_s=60.0)
    changes = [history.change(t, np.array([t, -t])) for t in np.arange(0.0, 200.0, 0.5)]   # 2 Hz
    assert all(c is None for c in changes[:60])                  # nothing at least 30 s old yet
    assert changes[60] is not None                               # at 30 s: the first frame is half a window old
    np.testing.assert_allclose(changes[-1], [60.0, -60.0])       # steady rate: exactly one window of change
    assert len(history._times) <= 1.5 * 60.0 * 2 * 2 + 2         # old samples are dropped


def test_a_gap_longer_than_the_window_gives_no_change_and_a_replay_starts_again():
    history = HeatHistory(window_s=60.0)
    for t in range(0, 120, 10):
        history.change(float(t), np.ones(3) * t)
    assert history.change(400.0, np.zeros(3)) is None            # the newest sample before is 290 s old
    np.testing.assert_allclose(history.change(460.0, np.ones(3)), np.ones(3))
    assert history.change(10.0, np.zeros(3)) is None              # earlier than the last: a bag played again
    assert history.change(70.0, np.ones(3)) is not None


def test_changes_over_a_recording_mark_frames_without_a_past():
    times = np.arange(20) * 60.0
    heat = np.column_stack([times / 60.0, np.zeros(20)])
    changes = changes_over(times, heat, window_s=300.0)
    assert np.isnan(changes[:3]).all()                           # younger than half a window: no past
    np.testing.assert_allclose(changes[5:, 0], 5.0)
    with pytest.raises(ValueError):
        HeatHistory(0.0)


def test_frames_out_of_order_or_repeated_do_not_reset_or_grow_the_history():
    history = HeatHistory(window_s=60.0)
    for t in np.arange(0.0, 200.0, 0.01):                      # 100 Hz
        history.change(float(t), np.array([t]))
    assert len(history._times) <= 2 * 150 + 2                  # one sample per 0.6 s, over at most 2 x 1.5 windows
    np.testing.assert_allclose(history.change(199.5, np.array([199.5])), [60.0], rtol=0.02)  # slightly late frame
    for _ in range(1000):
        history.change(200.0, np.array([200.0]))               # a stamp that never changes
    assert len(history._times) <= 2 * 150 + 3
    assert history.change(float('nan'), np.array([0.0])) is None
