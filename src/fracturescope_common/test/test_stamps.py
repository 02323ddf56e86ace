from builtin_interfaces.msg import Time
from fracturescope_common.stamps import NS_PER_S, from_ns, stamp_problem, to_ns
from hypothesis import given
from hypothesis import strategies as st


@given(st.integers(min_value=0, max_value=2**31 * NS_PER_S - 1))
def test_round_trip_is_exact(ns):
    assert to_ns(from_ns(ns)) == ns


def test_split_into_seconds_and_nanoseconds():
    assert from_ns(1_700_000_000_123_456_789) == Time(sec=1_700_000_000, nanosec=123_456_789)


def test_stamps_outside_the_window_around_the_clock_are_named():
    now = 1_800_000_000 * 10**9
    assert stamp_problem(now - 10**9, now, 5.0, 1.0) is None
    assert stamp_problem(now - 6 * 10**9, now, 5.0, 1.0)[0] == 'stamp_too_old'
    assert stamp_problem(2_147_483_647 * 10**9, now, 5.0, 1.0)[0] == 'stamp_in_future'
    assert stamp_problem(now + 10**9, now, 5.0, 1.0) is None
