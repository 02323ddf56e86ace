"""When a simulated source may publish its first frame: once the chain that consumes and records it listens."""

from collections.abc import Callable, Iterable
import time


class StartGate:
    """A counted run must not start before the whole chain listens: results published before the ledger has
    matched its topic would be lost to it (topics are volatile). Opens once the source's own topics have a
    subscriber and every node of `wait_for_nodes` is in the graph, then after `start_delay_s` more for those nodes
    to match their topics; once open it stays open. Disabled, it is open from the start."""

    def __init__(self, enabled: bool, wait_for_nodes: Iterable[str], start_delay_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._enabled = enabled
        self._wait_for_nodes = set(wait_for_nodes)
        self._start_delay_s = start_delay_s
        self._clock = clock
        self._opens_at: float | None = None

    def is_open(self, listening: Callable[[], bool], node_names: Callable[[], Iterable[str]]) -> bool:
        """`listening`: the source's topics have subscribers; `node_names`: the nodes now in the source's own
        namespace (see `in_namespace`)."""
        if not self._enabled:
            return True
        if self._opens_at is None and listening() and self._wait_for_nodes <= set(node_names()):
            self._opens_at = self._clock() + self._start_delay_s
        return self._opens_at is not None and self._clock() >= self._opens_at


def in_namespace(names_and_namespaces: Iterable[tuple[str, str]], namespace: str) -> list[str]:
    """The names of the nodes in `namespace`: a robot waits for its own ledger, not for the one of another robot
    sharing the domain under another namespace."""
    return [name for name, node_namespace in names_and_namespaces if node_namespace == namespace]
