from fracturescope_common.health import Health, Level


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_no_problem_is_ok_with_the_ok_message():
    health = Health(clock=FakeClock())
    assert health.summary('running') == (Level.OK, 'running')


def test_a_problem_is_counted_and_reported_while_recent():
    clock = FakeClock()
    health = Health(recent_s=10.0, clock=clock)
    health.problem('rejected', 'defects: confidence is NaN')
    health.problem('rejected', 'defects: label unknown')
    assert health.counters['rejected'] == 2
    assert health.summary('running') == (Level.WARN, 'rejected: defects: label unknown')
    clock.now += 10.5
    assert health.summary('running') == (Level.OK, 'running')
    assert health.counters['rejected'] == 2  # counts stay after the level recovers
    health.problem('lost_in_transport', '5 messages dropped', n=5)
    assert health.counters['lost_in_transport'] == 5


def test_error_level_is_kept():
    health = Health(clock=FakeClock())
    health.problem('append_failed', 'disk full', Level.ERROR)
    assert health.level() == Level.ERROR


def test_count_adds_without_raising_the_level():
    health = Health(clock=FakeClock())
    health.count('blocks_written', 5)
    health.count('blocks_written')
    assert health.counters['blocks_written'] == 6
    assert health.level() == Level.OK
