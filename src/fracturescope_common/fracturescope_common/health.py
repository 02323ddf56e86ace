"""Counters and recent problems of a node, summarised as a diagnostic level (plain Python, no ROS)."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
import time


class Level(IntEnum):
    """Same values as diagnostic_msgs/DiagnosticStatus levels."""

    OK = 0
    WARN = 1
    ERROR = 2
    STALE = 3


@dataclass
class Problem:
    kind: str
    message: str
    level: Level
    at: float  # monotonic s


@dataclass
class Health:
    """What went wrong lately and how often; a problem raises the level for `recent_s` seconds."""

    recent_s: float = 10.0
    clock: Callable[[], float] = time.monotonic
    counters: Counter[str] = field(default_factory=Counter)
    last_problem: Problem | None = None

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] += n

    def problem(self, kind: str, message: str, level: Level = Level.WARN, n: int = 1) -> None:
        """Record a problem `n` times over: counted under `kind`, remembered as the latest one."""
        self.counters[kind] += n
        self.last_problem = Problem(kind, message, level, self.clock())

    def level(self) -> Level:
        if self.last_problem is None or self.clock() - self.last_problem.at > self.recent_s:
            return Level.OK
        return self.last_problem.level

    def summary(self, ok_message: str) -> tuple[Level, str]:
        """Level and a one-line message: the latest problem while it is recent, else `ok_message`."""
        level = self.level()
        if level == Level.OK or self.last_problem is None:
            return level, ok_message
        return level, f'{self.last_problem.kind}: {self.last_problem.message}'
