"""The start gate of the simulated sources: first frame only once the consuming and recording chain listens."""

from fracturescope_sim.start_gate import StartGate, in_namespace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_subscribers_nodes_and_delay_then_stays_open() -> None:
    clock = Clock()
    gate = StartGate(True, ['thermal_monitor', 'ledger'], 1.0, clock)
    assert not gate.is_open(lambda: False, lambda: ['thermal_monitor', 'ledger'])   # nobody subscribed yet
    assert not gate.is_open(lambda: True, lambda: ['thermal_monitor'])              # the ledger is not up
    assert not gate.is_open(lambda: True, lambda: ['thermal_monitor', 'ledger', 'control'])   # delay starts now
    clock.now += 0.99
    assert not gate.is_open(lambda: True, lambda: ['thermal_monitor', 'ledger'])
    clock.now += 0.02
    assert gate.is_open(lambda: True, lambda: ['thermal_monitor', 'ledger'])
    assert gate.is_open(lambda: False, lambda: [])   # a consumer gone later does not stop the recording


def test_disabled_gate_is_open_at_once_and_asks_nothing() -> None:
    def fail() -> bool:
        raise AssertionError('a disabled gate must not query the graph')
    assert StartGate(False, ['ledger'], 5.0).is_open(fail, fail)


def test_only_nodes_of_the_sources_own_namespace_count():
    graph = [('ledger', '/robot2'), ('thermal_monitor', '/robot1'), ('ledger', '/'), ('ledger', '/robot1/sub')]
    assert in_namespace(graph, '/robot1') == ['thermal_monitor']
    assert in_namespace(graph, '/') == ['ledger']
