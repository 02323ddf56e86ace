"""Integration: the embedded broker node started from launch/broker.launch.xml as a process of its own, paho-mqtt
clients where the uplink and the operator would be, and the node's /diagnostics read by this test's ROS node."""

from pathlib import Path
import socket
import subprocess
import sys

from fracturescope_broker.diagnostics_contract import (
    ACCEPTED,
    CLIENTS,
    EMBEDDED_BROKER,
    RECEIVED,
    REFUSED,
    SENT,
    TLS,
    URL,
)
from fracturescope_launch.launch_xml import load_launch_file
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
from fracturescope_testing.mqtt_broker import MqttEndpoint, free_port
from fracturescope_testing.mqtt_probe import MqttProbe
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
LAUNCH = REPO_ROOT / 'launch' / 'broker.launch.xml'
ALERTS = 'fracturescope/robot-1/alerts'
pytestmark = pytest.mark.integration


def test_the_node_carries_qos1_with_its_credentials_and_refuses_others(tmp_path, graph_env):
    port = free_port()
    args = {'broker_port': str(port), 'broker_username': 'robot', 'broker_password': '0123'}   # digits: still text
    with launched(LAUNCH, args, env=graph_env, log_dir=tmp_path / 'logs'), \
            GraphProbe(graph_env, 'broker_probe') as probe:
        observed = watch_graph(probe)
        assert probe.spin_until(lambda: observed.reported(EMBEDDED_BROKER), 60.0), 'no /diagnostics from the broker'
        status = observed.read(EMBEDDED_BROKER)
        assert (status[URL], status[TLS], status[CLIENTS], status.level) == (f'mqtt://127.0.0.1:{port}', False, 0, 0)

        robot_at = MqttEndpoint('127.0.0.1', port, False, None, 'robot', '0123')
        with MqttProbe(robot_at, 'operator', clean_session=False) as operator, \
                MqttProbe(robot_at, 'robot-1') as robot:
            assert operator.connect().value == 0 and robot.connect().value == 0
            operator.subscribe(ALERTS, qos=1)
            robot.publish(ALERTS, b'{"label": "leak"}', qos=1)
            message = operator.next_message()
            assert (message.topic, message.payload, message.qos) == (ALERTS, b'{"label": "leak"}', 1)
            with MqttProbe(MqttEndpoint('127.0.0.1', port, False, None, 'robot', 'wrong'), 'intruder') as intruder:
                assert intruder.connect().is_failure

            def counts() -> tuple[int, ...]:
                status = observed.read(EMBEDDED_BROKER)
                return status[CLIENTS], status[ACCEPTED], status[REFUSED], status[RECEIVED], status[SENT]
            assert probe.spin_until(lambda: counts() == (2, 2, 1, 1, 1), 15.0), counts()
            status = observed.read(EMBEDDED_BROKER)
            assert status.level == 1 and 'intruder' in status.message and 'not authorized' in status.message


def test_the_simulated_graph_starts_the_broker_unless_told_not_to():
    sim = REPO_ROOT / 'launch' / 'sim.launch.xml'
    env = {'ROS_DOMAIN_ID': '7'}
    off = load_launch_file(sim, {'ledger_dir': '/tmp/x', 'broker': 'false'}, env).nodes
    assert 'embedded_broker' not in {node.name for node in off}
    plan = load_launch_file(sim, {'ledger_dir': '/tmp/x', 'namespace': 'robot1'}, env)
    broker = next(node for node in plan.nodes if node.name == 'embedded_broker')
    given = dict(p for params in broker.params if not isinstance(params, str) for p in params.items())
    assert (given['port'], given['host'], given['username']) == (18837, '127.0.0.1', 'fracturescope')
    assert broker.namespace == '/robot1'


def start_node(env, *overrides: str) -> subprocess.CompletedProcess:
    command = [sys.executable, '-m', 'fracturescope_broker.nodes.embedded_broker', '--ros-args', '--params-file',
               str(REPO_ROOT / 'config' / 'broker.yaml')]
    for override in overrides:
        command += ['-p', override]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_a_broker_nobody_could_log_in_to_does_not_start(graph_env):
    result = start_node(graph_env, 'port:=0')       # config/broker.yaml alone: no user, no anonymous clients
    assert result.returncode == 2, result.stderr
    assert 'cannot start: no client could connect' in result.stderr and 'Traceback' not in result.stderr


def test_a_port_already_taken_stops_the_node_with_the_reason(graph_env):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = start_node(graph_env, f'port:={port}', 'allow_anonymous:=true')
    assert result.returncode == 2, result.stderr
    assert f'cannot start: cannot serve mqtt://127.0.0.1:{port}' in result.stderr and 'in use' in result.stderr
    assert 'Traceback' not in result.stderr
