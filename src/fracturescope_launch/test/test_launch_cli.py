"""`fracturescope-launch` end to end, as a subprocess, the way the main job and a shell use it."""

import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import time

from fracturescope_launch.isolation import isolated_ros_env
import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1]

FAKE_NODE = r'''#!/usr/bin/env python3
import signal, sys, time

def on_sigint(signum, frame):
    print('got SIGINT', flush=True)
    sys.exit(0)

signal.signal(signal.SIGINT, on_sigint)
print('ready', sys.argv[1:], flush=True)
if sys.argv[1] == 'exit':
    time.sleep(0.3)
    sys.exit(int(sys.argv[2]))
while True:
    time.sleep(0.05)
'''

LAUNCH = '''<launch>
  <arg name="second" default="true" description="start the second node"/>
  <arg name="mode" default="run"/>
  <arg name="code" default="0"/>
  <node pkg="fake" exec="node" name="first" args="run"/>
  <group if="$(var second)">
    <push_ros_namespace namespace="lab"/>
    <node pkg="fake" exec="node" name="second" args="$(var mode) $(var code)" on_exit="shutdown">
      <param name="rate" value="2.5"/>
    </node>
  </group>
</launch>
'''


@pytest.fixture
def env(tmp_path, install_fake_package):
    prefix = install_fake_package(tmp_path / 'install', 'fake', {'node': FAKE_NODE})
    (tmp_path / 'graph.launch.xml').write_text(LAUNCH)
    return isolated_ros_env({'PATH': os.environ['PATH'], 'AMENT_PREFIX_PATH': prefix,
                             'PYTHONPATH': str(PACKAGE_ROOT)})


def launch_cli(tmp_path, env, *args):
    command = [sys.executable, '-m', 'fracturescope_launch.launch_cli', str(tmp_path / 'graph.launch.xml')]
    command += args
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process, timeout=20):
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def node_pids(output):
    return {int(pid) for pid in re.findall(r'^\[\w+-(\d+)\] ', output, re.MULTILINE)}


def assert_no_orphans(output):
    pids = node_pids(output)
    assert pids
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_show_prints_resolved_commands(tmp_path, env):
    code, output = finish(launch_cli(tmp_path, env, 'mode:=exit', '--show'))
    executable = tmp_path / 'install/lib/fake/node'
    assert code == 0, output
    assert f"command: {executable} run --ros-args -r __node:=first\n" in output
    command = rf'command: {executable} exit 0 --ros-args -r __node:=second -r __ns:=/lab --params-file (\S+)\n'
    params = re.search(command, output).group(1)
    assert Path(params).read_text() == "/lab/second:\n  ros__parameters:\n    rate: 2.5\n"
    assert "node 'second' (output=log, on_exit=shutdown)" in output
    assert not node_pids(output)


def test_package_and_file_form_like_ros2_launch(tmp_path, env):
    (tmp_path / 'install/share/fake/launch').mkdir()
    (tmp_path / 'graph.launch.xml').rename(tmp_path / 'install/share/fake/launch/graph.launch.xml')
    command = [sys.executable, '-m', 'fracturescope_launch.launch_cli', 'fake', 'graph.launch.xml', 'second:=false',
               '--show']
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    assert "node 'first'" in output and "node 'second'" not in output


def test_show_args_lists_arguments(tmp_path, env):
    code, output = finish(launch_cli(tmp_path, env, '--show-args'))
    assert code == 0
    assert "    'second':\n        start the second node\n        (default: 'true')" in output


@pytest.mark.parametrize(('args', 'message'), [
    (['second'], "launch arguments take the form 'name:=value', got 'second'"),
    (['second:=maybe', '--show'], "if: expected true/false/1/0, got 'maybe'"),
])
def test_bad_arguments_exit_2_with_a_message(tmp_path, env, args, message):
    code, output = finish(launch_cli(tmp_path, env, *args))
    assert code == 2 and message in output


def test_duration_runs_then_stops_cleanly(tmp_path, env):
    started = time.monotonic()
    code, output = finish(launch_cli(tmp_path, env, '--duration', '1', '--log-dir', str(tmp_path / 'logs')))
    assert code == 0, output
    assert 1 <= time.monotonic() - started < 10
    assert output.count('got SIGINT') == 2
    assert 'all 2 node(s) ran and stopped cleanly' in output
    assert (tmp_path / 'logs/second.log').read_text().splitlines()[-1] == 'got SIGINT'
    assert_no_orphans(output)


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
def test_signal_to_runner_is_forwarded_as_sigint(tmp_path, env, sig):
    runner = launch_cli(tmp_path, env)
    lines = []
    while sum('ready' in line for line in lines) < 2:
        lines.append(runner.stdout.readline())
        assert lines[-1], ''.join(lines)
    runner.send_signal(sig)
    code, rest = finish(runner)
    output = ''.join(lines) + rest
    assert code == 0, output
    assert f'{sig.name} received, stopping' in output
    assert re.search(r'^\[first-\d+\] got SIGINT$', output, re.MULTILINE)
    assert re.search(r'^\[second-\d+\] got SIGINT$', output, re.MULTILINE)
    assert_no_orphans(output)


def test_node_dying_fails_the_run_and_is_named(tmp_path, env):
    code, output = finish(launch_cli(tmp_path, env, 'mode:=exit', 'code:=4', '--duration', '10'))
    pid = re.search(r'^\[second-(\d+)\]', output, re.MULTILINE).group(1)
    assert code == 1, output
    assert f"ERROR: node 'second' (pid {pid}) died: exit code 4" in output
    assert f"FAILED:\n  - node 'second' (pid {pid}) died: exit code 4" in output
    assert_no_orphans(output)


def test_on_exit_shutdown_ends_the_run_early_and_cleanly(tmp_path, env):
    started = time.monotonic()
    code, output = finish(launch_cli(tmp_path, env, 'mode:=exit', '--duration', '30'))
    assert code == 0, output
    assert time.monotonic() - started < 10
    assert re.search(r'^\[first-\d+\] got SIGINT$', output, re.MULTILINE)
    assert_no_orphans(output)


def test_nodes_end_when_the_runner_is_killed_outright(tmp_path, env):
    runner = launch_cli(tmp_path, env)
    pids = set()
    deadline = time.monotonic() + 10
    while len(pids) < 2 and time.monotonic() < deadline:
        line = runner.stdout.readline()
        pids |= node_pids(line) if 'ready' in line else set()
    assert len(pids) == 2
    runner.kill()  # SIGKILL: no chance to stop its nodes itself
    runner.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids), 'nodes outlived their runner'


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: the kernel keeps it only until its parent reaps it.
    with open(f'/proc/{pid}/stat') as stat:
        return stat.read().split(') ')[1][0] != 'Z'


def test_the_run_ends_when_its_last_node_has_died(tmp_path, env):
    """As ros2 launch does once no process is left (issue 17: a runner whose only node died kept running)."""
    (tmp_path / 'alone.launch.xml').write_text(
        '<launch><node pkg="fake" exec="node" name="alone" args="exit 3"/></launch>\n')
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, '-m', 'fracturescope_launch.launch_cli',
                                str(tmp_path / 'alone.launch.xml'), '--duration', '60'], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    code, output = finish(process)
    assert code == 1 and time.monotonic() - started < 15, output
    assert 'no node left running: stopping' in output and "node 'alone'" in output
