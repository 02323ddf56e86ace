"""The supervisor with real processes: output, stop escalation, deaths, respawn, shutdown, no orphans."""

import io
import json
import os
import signal
import time

from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_launch.launch_xml import NodeSpec
from fracturescope_launch.process_graph import RunningGraph
import pytest

# A stand-in node. Its first argument picks a behaviour; it reports its argv, env and signals on stdout.
FAKE_NODE = r'''#!/usr/bin/env python3
import faulthandler, json, os, signal, sys, time

mode = sys.argv[1]
print(json.dumps({'argv': sys.argv[1:], 'domain': os.environ.get('ROS_DOMAIN_ID'),
                  'tag': os.environ.get('TAG')}), flush=True)

def on_signal(signum, frame):
    print(f'got {signal.Signals(signum).name}', flush=True)
    if mode != 'stubborn':
        sys.exit(0)

signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == 'stubborn' else on_signal)
faulthandler.register(signal.SIGUSR1, all_threads=True)  # as run_node does
if mode == 'exit':
    time.sleep(float(sys.argv[3]))
    sys.exit(int(sys.argv[2]))
if mode == 'crash':
    time.sleep(0.3)
    os.kill(os.getpid(), signal.SIGSEGV)

def stuck_in_a_loop():
    while True:
        time.sleep(0.05)


print('ready', flush=True)
stuck_in_a_loop()
'''


@pytest.fixture(autouse=True)
def prefix(tmp_path, monkeypatch, install_fake_package):
    monkeypatch.setenv('AMENT_PREFIX_PATH', install_fake_package(tmp_path / 'install', 'fake', {'node': FAKE_NODE}))


def spec(name, *args, **kwargs):
    env = isolated_ros_env({'PATH': os.environ['PATH'], 'TAG': name})
    return NodeSpec('fake', 'node', name=name, args=args, env=env, **kwargs)


def graph_of(*specs, grace_s=3.0, **kwargs):
    return RunningGraph(specs, grace_s=grace_s, echo=io.StringIO(), **kwargs)


def echoed(graph):
    return graph._echo.getvalue()


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_clean_run_stops_every_node_with_sigint(tmp_path):
    with graph_of(spec('a', 'run'), spec('b', 'run'), log_dir=tmp_path / 'logs') as graph:
        assert graph.wait_for_output('a', 'ready', 5) and graph.wait_for_output('b', 'ready', 5)
        assert graph.alive() == {'a': True, 'b': True}
        pids = {name: graph.pid(name) for name in ('a', 'b')}
        codes = graph.stop()
    assert codes == {'a': 0, 'b': 0}
    assert graph.exit_status() == 0 and graph.failures == [] and graph.dead_nodes() == []
    assert all(gone(pid) for pid in pids.values())
    assert graph.output('a')[-1] == 'got SIGINT'
    assert f'[a-{pids["a"]}] ready' in echoed(graph)
    assert (tmp_path / 'logs/b.log').read_text().splitlines()[-2:] == ['ready', 'got SIGINT']


def test_node_gets_its_own_env_and_args():
    with graph_of(spec('a', 'run', 'extra')) as graph:
        assert graph.wait_for_output('a', 'ready', 5)
        report = json.loads(graph.output('a')[0])
    assert report['argv'][:2] == ['run', 'extra'] and '--ros-args' in report['argv']
    assert (report['tag'], report['domain']) == ('a', isolated_ros_env({})['ROS_DOMAIN_ID'])


def test_node_dying_is_named_and_fails_the_run():
    with graph_of(spec('ledger', 'exit', '3', '0.2'), spec('ok', 'run')) as graph:
        assert wait_until(lambda: graph.dead_nodes() == ['ledger'])
        pid = graph.pid('ledger')
        assert graph.alive() == {'ledger': False, 'ok': True}
    assert f"node 'ledger' (pid {pid}) died: exit code 3" in echoed(graph)
    assert graph.failures == [f"node 'ledger' (pid {pid}) died: exit code 3"]
    assert graph.exit_status() == 1


def test_death_by_signal_is_named():
    with graph_of(spec('cam', 'crash')) as graph:
        assert wait_until(lambda: graph.dead_nodes() == ['cam'])
    assert f"node 'cam' (pid {graph.pid('cam')}) died: killed by SIGSEGV" in graph.failures[0]


def test_on_exit_shutdown_stops_the_graph():
    with graph_of(spec('job', 'exit', '0', '0.2', on_exit='shutdown'), spec('other', 'run')) as graph:
        assert graph.wait(10) is True
        assert graph.alive()['other']
        codes = graph.stop()
    assert codes == {'job': 0, 'other': 0} and graph.exit_status() == 0
    assert 'on_exit="shutdown": stopping the graph' in echoed(graph)


def test_on_exit_shutdown_with_failure_is_a_failure():
    with graph_of(spec('job', 'exit', '2', '0.1', on_exit='shutdown')) as graph:
        assert graph.wait(10) is True
    assert graph.exit_status() == 1 and 'died: exit code 2' in graph.failures[0]


def test_respawn_restarts_after_delay():
    with graph_of(spec('flaky', 'exit', '1', '0.2', respawn=True, respawn_delay=0.3)) as graph:
        first = graph.pid('flaky')
        assert wait_until(lambda: graph.pid('flaky') != first)
        assert wait_until(lambda: len([line for line in graph.output('flaky') if line.startswith('{')]) >= 2)
    assert "respawning node 'flaky'" in echoed(graph)
    assert graph.exit_status() == 1  # a crash is a failure even when respawn hides it


def test_node_ignoring_sigint_is_escalated_and_reported():
    with graph_of(spec('deaf', 'stubborn'), grace_s=0.5) as graph:
        assert graph.wait_for_output('deaf', 'ready', 5)
        pid = graph.pid('deaf')
        started = time.monotonic()
        codes = graph.stop()
    assert time.monotonic() - started < 5
    assert codes == {'deaf': -signal.SIGKILL} and gone(pid)
    assert 'got SIGINT' in graph.output('deaf')
    assert graph.failures[0].startswith("node 'deaf' failed to stop: ignored SIGINT for 0.5 s, survived SIGTERM; "
                                        'where it was: ')
    assert 'in stuck_in_a_loop' in graph.failures[0]   # its stack, asked for before SIGKILL


def test_exception_inside_the_block_still_stops_everything():
    with pytest.raises(RuntimeError, match='boom'), graph_of(spec('a', 'run')) as graph:
        assert graph.wait_for_output('a', 'ready', 5)
        pid = graph.pid('a')
        raise RuntimeError('boom')
    assert gone(pid)


def test_start_failure_stops_the_nodes_already_started():
    graph = graph_of(spec('a', 'run'), NodeSpec('ghost', 'node', name='b'))
    with pytest.raises(Exception, match="package 'ghost' not found"):
        graph.start()
    assert gone(graph.pid('a')) and graph.alive() == {'a': False, 'b': False}


def test_duplicate_names_get_distinct_labels():
    graph = graph_of(spec('a', 'run'), spec('a', 'run'))
    assert list(graph.alive()) == ['a', 'a-2']


def test_first_nodes_start_before_the_others_which_wait_for_them():
    seen = {}

    def broker_ready():   # what the main job waits for: a client of the first node subscribed
        assert graph.wait_for_output('broker', 'ready', 10)
        seen['others_alive'] = [label for label, up in graph.alive().items() if up and label != 'broker']

    graph = graph_of(spec('robot', 'run'), spec('broker', 'run'), first=('broker',), then_after=broker_ready)
    with graph:
        assert graph.wait_for_output('robot', 'ready', 10)
    assert seen == {'others_alive': []}
