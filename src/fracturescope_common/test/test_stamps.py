from builtin_interfaces.msg import Time
from fracturescope_common.stamps import NS_PER_S, from_ns, to_ns
from hypothesis import given
from hypothesis import strategies as st


@given(st.integers(min_value=0, max_value=2**31 * NS_PER_S - 1))
def test_round_trip_is_exact(ns):
    assert to_ns(from_ns(ns)) == ns


def test_split_into_seconds_and_nanoseconds():
    assert from_ns(1_700_000_000_123_456_789) == Time(sec=1_700_000_000, nanosec=123_456_789)
