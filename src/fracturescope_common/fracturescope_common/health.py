"""Counters and recent problems of a node, summarised as a diagnostic level (plain Python, no ROS)."""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import InitVar, dataclass, field
from enum import IntEnum
import time

from fracturescope_common.diagnostics_contract import ContractError, Key


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
    """What went wrong lately and how often; a problem raises the level for `recent_s` seconds. Only the
    `declared` counters (the node's contract) are kept, each 0 from the start: a counter never reads as absent."""

    declared: InitVar[Iterable[Key[int]]]
    recent_s: float = 10.0
    clock: Callable[[], float] = time.monotonic
    counters: Counter[str] = field(init=False)
    last_problem: Problem | None = None

    def __post_init__(self, declared: Iterable[Key[int]]) -> None:
        self.counters = Counter({key.name: 0 for key in declared})

    def count(self, key: Key[int], n: int = 1) -> None:
        if key.name not in self.counters:
            raise ContractError(f'counter {key.name!r} is not declared in the node\'s diagnostics contract')
        self.counters[key.name] += n

    def problem(self, key: Key[int], message: str, level: Level = Level.WARN, n: int = 1) -> None:
        """Record a problem `n` times over: counted under `key`, remembered as the latest one."""
        self.count(key, n)
        self.last_problem = Problem(key.name, message, level, self.clock())

    def resolved(self, *keys: Key[int]) -> None:
        """The latest problem, if it is one of `keys`, is over (the PLC answers again): the level need not wait
        `recent_s` to return to OK. Its counter keeps counting."""
        if self.last_problem is not None and self.last_problem.kind in {key.name for key in keys}:
            self.last_problem = None

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
