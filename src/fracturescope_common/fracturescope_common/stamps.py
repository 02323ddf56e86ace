"""builtin_interfaces/Time <-> integer nanoseconds (exact: no float round trip)."""

from builtin_interfaces.msg import Time

NS_PER_S = 1_000_000_000


def to_ns(stamp: Time) -> int:
    return stamp.sec * NS_PER_S + stamp.nanosec


def from_ns(ns: int) -> Time:
    sec, nanosec = divmod(ns, NS_PER_S)
    return Time(sec=sec, nanosec=nanosec)
