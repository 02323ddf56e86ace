"""Crash-loop backoff: starts that never come up make the next start wait 1, 2, 4 ... 16 s; a node that was up and
died (killed, crashed later) is respawned at once; a clean stop leaves nothing behind."""

from fracturescope_common.crash_loop import CrashLoopBackoff, state_file


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_waits_grow_while_the_node_fails_to_start_and_reset_once_it_comes_up(tmp_path):
    clock = Clock()
    waits = []
    for _ in range(7):                  # a bad config: exits 2 at every start
        waits.append(CrashLoopBackoff(tmp_path / 's.json', clock=clock).start())
        clock.t += 1.0 + waits[-1]
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    fixed = CrashLoopBackoff(tmp_path / 's.json', clock=clock)
    assert fixed.start() == 16.0
    fixed.up()                          # the config was fixed: it came up, then was killed
    assert CrashLoopBackoff(tmp_path / 's.json', clock=clock).start() == 0.0


def test_a_node_killed_while_up_is_respawned_at_once(tmp_path):
    clock = Clock()
    for _ in range(30):                 # the ledger outage drill: SIGKILL every 3 s, never a clean stop
        backoff = CrashLoopBackoff(tmp_path / 's.json', clock=clock)
        assert backoff.start() == 0.0
        backoff.up()
        clock.t += 3.0


def test_a_clean_stop_is_no_crash_and_leaves_no_file(tmp_path):
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


def test_a_run_that_came_up_and_stopped_cleanly_forgets_the_failures_before_it(tmp_path):
    clock = Clock()
    for _ in range(6):
        CrashLoopBackoff(tmp_path / 's.json', clock=clock).start()
        clock.t += 1.0
    fixed = CrashLoopBackoff(tmp_path / 's.json', clock=clock)
    fixed.start()
    fixed.up()
    clock.t += 60.0
    fixed.stopped_cleanly()
    clock.t += 5.0
    assert CrashLoopBackoff(tmp_path / 's.json', clock=clock).start() == 0.0
