"""One log line per reason and period, with the count of those held back."""

from fracturescope_common.log_throttle import LogThrottle


def test_log_throttle_admits_one_line_per_reason_and_period():
    now = [0.0]
    throttle = LogThrottle(10.0, clock=lambda: now[0])
    assert throttle.admit("SQLITE_FULL") == 0
    assert throttle.admit("SQLITE_FULL") is None and throttle.admit("SQLITE_FULL") is None
    assert throttle.admit("LowDiskSpaceError") == 0  # another reason is not held back by the first
    now[0] = 10.0
    assert throttle.admit("SQLITE_FULL") == 2
    assert throttle.admit("SQLITE_FULL") is None


def test_log_says_how_many_were_held_back():
    now, lines = [0.0], []
    throttle = LogThrottle(1.0, clock=lambda: now[0])
    for _ in range(5):
        throttle.log("jump", lines.append, "edge measurement refused: jump")
    throttle.log("future", lines.append, "edge measurement refused: future")
    now[0] = 1.0
    throttle.log("jump", lines.append, "edge measurement refused: jump")
    assert lines == ["edge measurement refused: jump", "edge measurement refused: future",
                     "edge measurement refused: jump (4 more like it since the last line)"]
