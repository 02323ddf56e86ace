"""One log line per reason and period: a fault that repeats with every detection must not flood the log."""

from __future__ import annotations

from collections.abc import Callable
import threading
import time


class LogThrottle:
    """Admits the first message of each reason, then one per ``period_s``, counting the ones held back."""

    def __init__(self, period_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._period_s = period_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def admit(self, reason: str) -> int | None:
        """None: hold this message back; else log it, with the count held back since the last one logged."""
        now = self._clock()
        with self._lock:
            last = self._last.get(reason)
            if last is not None and now - last < self._period_s:
                self._held[reason] = self._held.get(reason, 0) + 1
                return None
            self._last[reason] = now
            return self._held.pop(reason, 0)

    def log(self, reason: str, emit: Callable[[str], object], message: str) -> None:
        """`emit(message)` unless held back, saying how many were held back since the last line of `reason`."""
        held = self.admit(reason)
        if held is not None:
            emit(f'{message} ({held} more like it since the last line)' if held else message)


def reason_of(error: BaseException) -> str:
    """What an error is, for throttling: SQLite's error name (SQLITE_FULL, SQLITE_BUSY) or the class name."""
    return getattr(error, "sqlite_errorname", None) or type(error).__name__
