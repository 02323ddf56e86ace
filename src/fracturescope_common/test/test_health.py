from fracturescope_common.diagnostics_contract import ContractError, count
from fracturescope_common.health import Health, Level
import pytest

REJECTED, LOST, APPEND_FAILED, BLOCKS = (count(n) for n in ('rejected', 'lost_in_transport', 'append_failed',
                                                            'blocks_written'))
DECLARED = (REJECTED, LOST, APPEND_FAILED, BLOCKS)


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_no_problem_is_ok_with_the_ok_message_and_every_declared_counter_at_0():
    health = Health(DECLARED, clock=FakeClock())
    assert health.summary('running') == (Level.OK, 'running')
    assert health.counters == {'rejected': 0, 'lost_in_transport': 0, 'append_failed': 0, 'blocks_written': 0}


def test_a_problem_is_counted_and_reported_while_recent():
    clock = FakeClock()
    health = Health(DECLARED, recent_s=10.0, clock=clock)
    health.problem(REJECTED, 'defects: confidence is NaN')
    health.problem(REJECTED, 'defects: label unknown')
    assert health.counters['rejected'] == 2
    assert health.summary('running') == (Level.WARN, 'rejected: defects: label unknown')
    clock.now += 10.5
    assert health.summary('running') == (Level.OK, 'running')
    assert health.counters['rejected'] == 2  # counts stay after the level recovers
    health.problem(LOST, '5 messages dropped', n=5)
    assert health.counters['lost_in_transport'] == 5


def test_error_level_is_kept():
    health = Health(DECLARED, clock=FakeClock())
    health.problem(APPEND_FAILED, 'disk full', Level.ERROR)
    assert health.level() == Level.ERROR


def test_count_adds_without_raising_the_level():
    health = Health(DECLARED, clock=FakeClock())
    health.count(BLOCKS, 5)
    health.count(BLOCKS)
    assert health.counters['blocks_written'] == 6
    assert health.level() == Level.OK


def test_an_undeclared_counter_is_refused():
    health = Health(DECLARED, clock=FakeClock())
    with pytest.raises(ContractError, match="'verify_failed' is not declared"):
        health.problem(count('verify_failed'), 'bad block')
