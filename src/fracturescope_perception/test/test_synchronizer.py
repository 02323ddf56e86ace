from fracturescope_perception.fusion.synchronizer import PairSynchronizer
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

MS = 1_000_000


def stamps(pairs):
    return [(a.stamp_ns // MS, b.stamp_ns // MS) for a, b in pairs]


def test_pairs_frames_within_the_slop_in_either_arrival_order():
    sync = PairSynchronizer(slop_s=0.010, queue_size=5, resync_after=3)
    assert sync.add_rgb(100 * MS, 'r1') == []
    assert stamps(sync.add_thermal(104 * MS, 't1')) == [(100, 104)]
    assert sync.add_thermal(133 * MS, 't2') == []
    pairs = sync.add_rgb(133 * MS, 'r2')
    assert stamps(pairs) == [(133, 133)] and (pairs[0][0].item, pairs[0][1].item) == ('r2', 't2')
    assert sync.paired == 2 and not sync.dropped


def test_a_missing_partner_frame_is_dropped_and_counted():
    sync = PairSynchronizer(slop_s=0.005, queue_size=5, resync_after=3)
    sync.add_rgb(100 * MS, 'r1')               # its thermal frame never comes
    sync.add_rgb(133 * MS, 'r2')
    assert stamps(sync.add_thermal(134 * MS, 't2')) == [(133, 134)]
    assert sync.dropped == {'rgb_no_partner': 1}
    assert sync.pending('rgb') == sync.pending('thermal') == 0


def test_the_closer_of_two_frames_wins_the_partner():
    sync = PairSynchronizer(slop_s=0.050, queue_size=5, resync_after=3)
    sync.add_rgb(100 * MS, 'r1')
    sync.add_rgb(130 * MS, 'r2')
    assert stamps(sync.add_thermal(128 * MS, 't')) == [(130, 128)]
    assert sync.dropped == {'rgb_no_partner': 1}


def test_out_of_order_and_overflow_are_counted():
    sync = PairSynchronizer(slop_s=0.001, queue_size=2, resync_after=3)
    for k in range(4):
        sync.add_rgb(k * 100 * MS, k)
    sync.add_rgb(50 * MS, 'late')
    assert sync.dropped == {'rgb_queue_full': 2, 'rgb_out_of_order': 1}
    assert sync.pending('rgb') == 2


def test_one_frame_stamped_years_ahead_stops_pairing_only_briefly():
    """A driver glitch stamps one RGB frame in 2038: the stream starts over after `resync_after` frames instead of
    refusing every later frame as out of order (issue 17: the detector stopped for good)."""
    sync = PairSynchronizer(slop_s=0.010, queue_size=5, resync_after=3)
    paired = []
    for k in range(10):
        t = (1000 + k * 100) * MS
        if k == 2:
            sync.add_rgb(2**62, 'future')
        paired += sync.add_rgb(t, k)
        paired += sync.add_thermal(t, k)
    assert [a.item for a, _ in paired] == [0, 1, 4, 5, 6, 7, 8, 9]
    assert sync.resynced == {'rgb': 1} and sync.dropped['rgb_out_of_order'] == 2


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError):
        PairSynchronizer(-0.1, 3, 3)
    with pytest.raises(ValueError):
        PairSynchronizer(0.1, 0, 3)
    with pytest.raises(ValueError):
        PairSynchronizer(0.1, 3, 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(['rgb', 'thermal']), st.integers(0, 40)), max_size=60),
       st.integers(0, 15))
def test_every_frame_is_paired_dropped_or_pending_and_pairs_respect_the_slop(events, slop_ms):
    sync = PairSynchronizer(slop_s=slop_ms / 1000, queue_size=4, resync_after=3)
    clock = {'rgb': 0, 'thermal': 0}
    pairs = []
    for stream, step in events:
        clock[stream] += step * MS
        add = sync.add_rgb if stream == 'rgb' else sync.add_thermal
        pairs += add(clock[stream], stream)
    assert all(abs(a.stamp_ns - b.stamp_ns) <= slop_ms * MS for a, b in pairs)
    assert all(a.item == 'rgb' and b.item == 'thermal' for a, b in pairs)
    for stream in ('rgb', 'thermal'):
        seen = sum(1 for s, _ in events if s == stream)
        dropped = sum(v for k, v in sync.dropped.items() if k.startswith(stream))
        assert seen == len(pairs) + dropped + sync.pending(stream)
    # no pair is used twice and pairs come out in time order
    assert [a.stamp_ns for a, _ in pairs] == sorted(a.stamp_ns for a, _ in pairs)
