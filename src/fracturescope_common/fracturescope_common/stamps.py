"""builtin_interfaces/Time <-> integer nanoseconds (exact: no float round trip)."""

from builtin_interfaces.msg import Time

NS_PER_S = 1_000_000_000


def to_ns(stamp: Time) -> int:
    return stamp.sec * NS_PER_S + stamp.nanosec


def from_ns(ns: int) -> Time:
    sec, nanosec = divmod(ns, NS_PER_S)
    return Time(sec=sec, nanosec=nanosec)


def stamp_problem(stamp_ns: int, now_ns: int, max_age_s: float, max_future_s: float) -> tuple[str, str] | None:
    """('stamp_too_old' | 'stamp_in_future', why) for a stamp outside the window around the receiver's clock `now_ns`
    (a driver's glitch, a replay without use_sim_time, a forged message), else None."""
    age_s = (now_ns - stamp_ns) / NS_PER_S
    if age_s > max_age_s:
        return 'stamp_too_old', f'stamped {age_s:.1f} s before the node clock (at most {max_age_s:g} s)'
    if -age_s > max_future_s:
        return 'stamp_in_future', f'stamped {-age_s:.1f} s after the node clock (at most {max_future_s:g} s ahead)'
    return None
