"""Waiting in tests for something another thread or process does."""

from collections.abc import Callable
import time


def eventually(condition: Callable[[], object], timeout_s: float = 10.0, poll_s: float = 0.02) -> bool:
    """True as soon as `condition()` is true, False if it is still false after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(poll_s)
    return True
