"""Crash-loop backoff: short unclean runs in a row make the next start wait 1, 2, 4 ... s; a clean stop or a long
run resets it."""

from fracturescope_common.crash_loop import CrashLoopBackoff, state_file


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_waits_grow_while_the_node_keeps_dying_young_and_reset_after_a_long_run(tmp_path):
    clock = Clock()
    waits = []
    for _ in range(7):                  # killed 2 s after each start, respawned 1 s later
        waits.append(CrashLoopBackoff(tmp_path / 's.json', clock=clock).start())
        clock.t += 3.0 + waits[-1]
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    clock.t += 60.0                     # the last run lived a minute
    assert CrashLoopBackoff(tmp_path / 's.json', clock=clock).start() == 0.0


def test_a_clean_stop_is_no_crash(tmp_path):
    clock = Clock()
    for _ in range(5):
        backoff = CrashLoopBackoff(tmp_path / 's.json', clock=clock)
        assert backoff.start() == 0.0
        backoff.stopped_cleanly()
        clock.t += 1.0
    assert not (tmp_path / 's.json').exists()


def test_a_torn_or_unwritable_state_file_does_not_stop_the_node(tmp_path):
    (tmp_path / 's.json').write_text('[{"t": 1')
    assert CrashLoopBackoff(tmp_path / 's.json').start() == 0.0
    blocked = tmp_path / 'file'
    blocked.write_text('')
    assert CrashLoopBackoff(blocked / 'sub' / 's.json').start() == 0.0


def test_each_launch_configuration_and_domain_has_its_own_file(monkeypatch, tmp_path):
    monkeypatch.setenv('ROS_HOME', str(tmp_path))
    monkeypatch.setenv('ROS_DOMAIN_ID', '7')
    a, b = state_file('ledger', ['--ros-args', '-r', '__ns:=/a']), state_file('ledger', ['--ros-args'])
    assert a != b and a.parent == tmp_path / 'fracturescope' / 'starts' and '-7-' in a.name
