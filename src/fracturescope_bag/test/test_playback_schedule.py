"""Recorded gaps divided by the rate, from the bag's start plus the offset."""

from fracturescope_bag.playback_schedule import PlaybackSchedule, playback_start
import pytest


def test_gaps_are_divided_by_the_rate():
    schedule = PlaybackSchedule(bag_start_ns=5_000_000_000, steady_start_s=100.0, rate=2.0)
    assert schedule.due_at(5_000_000_000) == 100.0
    assert schedule.due_at(6_000_000_000) == pytest.approx(100.5)
    assert schedule.due_at(4_000_000_000) == 100.0  # before the start: at once
    assert schedule.bag_time_at(100.25) == 5_500_000_000
    assert schedule.bag_time_at(99.0) == 5_000_000_000


def test_start_is_the_bag_start_or_first_message_plus_the_offset():
    assert playback_start(1_000, 2_000, 0.0) == 1_000
    assert playback_start(None, 2_000, 1.5) == 1_500_002_000
    assert playback_start(None, None, 1.0) is None
    with pytest.raises(ValueError):
        playback_start(0, 0, -1.0)
    with pytest.raises(ValueError):
        PlaybackSchedule(0, 0.0, rate=0.0)
