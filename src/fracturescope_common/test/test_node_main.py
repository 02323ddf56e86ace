"""run_node: a failed take is one lost message, any other error still stops the node; signals while it starts stop
it cleanly; SIGUSR1 prints its stacks."""

import json
import queue
import signal
import subprocess
import sys
import threading
import time

from fracturescope_common.crash_loop import state_file
from fracturescope_launch.isolation import isolated_ros_env
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node

from fracturescope_common import node_main

# The real failure is a race between a publisher's process exiting and rclpy taking its 1080p image; it cannot be
# produced on demand, so the executor's spin raises what rclpy raised (message copied from a node log).
TAKE_ERROR = RuntimeError("Unable to convert call argument '0' to Python object (#define PYBIND11_DETAILED_ERROR"
                          "_MESSAGES or compile in debug mode for details)")


def scripted_spin(monkeypatch, outcomes):
    calls = []

    def spin(self):
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if outcome is not None:
            raise outcome
    monkeypatch.setattr(SingleThreadedExecutor, 'spin', spin)
    return calls


def test_a_failed_take_is_logged_and_the_node_spins_on(monkeypatch):
    calls = scripted_spin(monkeypatch, [TAKE_ERROR, TAKE_ERROR, None])
    node_main.run_node(lambda: Node('take_probe'), 'take_probe', [])
    assert len(calls) == 3
    assert not rclpy.ok()  # stopped cleanly afterwards


def test_any_other_runtime_error_still_stops_the_node(monkeypatch):
    calls = scripted_spin(monkeypatch, [RuntimeError('a bug in a callback'), None])
    with pytest.raises(RuntimeError, match='a bug in a callback'):
        node_main.run_node(lambda: Node('bug_probe'), 'bug_probe', [])
    assert len(calls) == 1
    assert not rclpy.ok()


# A real node process through run_node: `slow` builds its node for 3 s, as a node loading a model does.
NODE_SCRIPT = '''
import ctypes, sys, time
from rclpy.node import Node
from fracturescope_common.node_main import run_node

class StuckInTeardown(Node):
    """A teardown that hangs as the middleware's did: releasing the GIL (a C call that waits), or holding it."""

    def destroy_node(self):
        print('tearing down', flush=True)
        if sys.argv[1] == 'stuck_teardown':
            time.sleep(60.0)
        else:
            ctypes.PyDLL(None).sleep(60)   # a C call made with the GIL held


def make():
    print('building', flush=True)
    if sys.argv[1] == 'slow':
        time.sleep(3.0)
    node = StuckInTeardown('signal_probe') if sys.argv[1].startswith('stuck') else Node('signal_probe')
    node.create_publisher(__import__('std_msgs.msg').msg.String, 'probe', 1)
    print('up', flush=True)
    return node

run_node(make, 'signal_probe', [])
'''


class Probe:
    """The probe node's process in a private ROS domain; its output is read in the background so that waiting for a
    line can time out."""

    def __init__(self, tmp_path, mode, failed_starts=0, monkeypatch=None):
        env = {**isolated_ros_env(), 'ROS_HOME': str(tmp_path)}
        if failed_starts:   # recent starts that never came up: it waits in backoff first
            monkeypatch.setenv('ROS_HOME', env['ROS_HOME'])
            monkeypatch.setenv('ROS_DOMAIN_ID', env['ROS_DOMAIN_ID'])
            path = state_file('signal_probe', [])
            path.parent.mkdir(parents=True)
            now = time.time()
            path.write_text(json.dumps([{'t': now - i, 'up': False} for i in range(failed_starts)]))
        self.process = subprocess.Popen([sys.executable, '-c', NODE_SCRIPT, mode], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def wait_for(self, text, timeout=30.0):
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.seen):
            try:
                self.seen.append(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f'{text!r} not printed: {self.seen}') from None

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop_code(self, sig, timeout):
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.kill()


@pytest.fixture
def probes():
    """Every probe started by a test, killed at its end whatever happened."""
    started = []
    yield lambda *args, **kwargs: started.append(Probe(*args, **kwargs)) or started[-1]
    for probe in started:
        probe.kill()


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_backoff_wait_stops_the_node_at_once(tmp_path, monkeypatch, probes, sig):
    probe = probes(tmp_path, 'fast', failed_starts=5, monkeypatch=monkeypatch)   # would wait 8 s
    probe.wait_for('waiting 8 s before trying again')
    assert probe.stop_code(sig, timeout=2.0) in (0, -signal.SIGINT)
    assert not any('building' in line for line in probe.seen)


def test_sigterm_while_the_node_is_being_built_is_a_clean_stop(tmp_path, probes):
    probe = probes(tmp_path, 'slow')
    probe.wait_for('building')
    # rclpy's handler shuts the context down under the node being built: its rcl calls fail
    assert probe.stop_code(signal.SIGTERM, timeout=10.0) == 0


def test_sigusr1_prints_every_threads_stack_and_the_node_runs_on(tmp_path, probes):
    probe = probes(tmp_path, 'fast')
    probe.wait_for('up')
    probe.process.send_signal(node_main.STACK_DUMP_SIGNAL)
    probe.wait_for('in run_node', timeout=10.0)
    assert any('most recent call first' in line for line in probe.seen)
    assert probe.process.poll() is None
    assert probe.stop_code(signal.SIGINT, timeout=10.0) in (0, -signal.SIGINT)


@pytest.mark.parametrize('mode, code, said', [
    ('stuck_teardown', 0, 'middleware teardown still running after'),
    ('stuck_teardown_with_the_gil', -signal.SIGINT, 'in destroy_node'),   # faulthandler's stack, then SIGINT
])
def test_a_teardown_that_hangs_ends_before_the_launcher_would_kill_it(tmp_path, probes, mode, code, said):
    probe = probes(tmp_path, mode)
    probe.wait_for('up')
    time.sleep(1.0)   # spinning
    probe.process.send_signal(signal.SIGINT)
    probe.wait_for('tearing down', timeout=10.0)
    start = time.monotonic()
    assert probe.process.wait(timeout=15.0) == code
    assert time.monotonic() - start < 5.0   # before a launcher's SIGTERM (ros2 launch and RunningGraph: 5 s)
    probe.wait_for(said, timeout=5.0)
