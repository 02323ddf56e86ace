"""Integration: an operator's signed "inspect again" over a real mosquitto -> uplink -> operator/command (DDS) ->
defect detector; its answer comes back as a defect alert with the request's nonce and a thumbnail, whatever the
uplink's repeat suppression. Forged and replayed requests on DDS are refused by the detector. Separate processes:
simulated surface cameras, detector, ledger, uplink (their launch files, as robot.launch.xml includes them)."""

import json
from pathlib import Path
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.command_receiver import COMMAND_REJECTED
from fracturescope_common.keys import raw_public_key, write_new_public_key
from fracturescope_common.operator_commands import CommandSigner, Rejection, fill_message
from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_perception.diagnostics_contract import (
    DEFECT_DETECTOR,
    REINSPECTIONS_ANSWERED,
    REINSPECTIONS_REQUESTED,
)
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launch_composition import including
from fracturescope_testing.launched_graph import launched
from fracturescope_testing.mqtt_probe import MqttProbe
from fracturescope_uplink.alert_schema import decode
from fracturescope_uplink.command_gateway import commands_topic, decode_command, sign_command
import pytest

from fracturescope_msgs.msg import DefectDetection, OperatorCommand

REPO_ROOT = Path(__file__).resolve().parents[2]
ROBOT = 'robot-ia'
pytestmark = pytest.mark.integration


def graph_launch_file(tmp_path: Path, broker_port: int, public_key: Path) -> Path:
    """The robot's perception, ledger and uplink launch files, included as robot.launch.xml does."""
    launch_dir, state = REPO_ROOT / 'launch', tmp_path / 'state'
    return including(tmp_path / 'inspect_again.launch.xml', [
        (launch_dir / 'perception.launch.xml', {'camera_rate_hz': 4.0, 'operator_public_key': public_key,
                                                'used_nonce_file': state / 'perception_used_nonces.jsonl'}),
        (launch_dir / 'ledger.launch.xml', {'ledger_dir': state}),
        (launch_dir / 'uplink.launch.xml', {'robot_id': ROBOT, 'broker_port': broker_port, 'broker_username': 'robot',
                                            'broker_password': 'robot-pw', 'state_dir': state,
                                            'operator_public_key': public_key})])


def test_inspect_again_is_answered_to_the_operator_and_forgeries_are_refused(tmp_path, graph_env, mosquitto_factory):
    broker = mosquitto_factory(users={'robot': 'robot-pw', 'operator': 'operator-pw'})
    key = Ed25519PrivateKey.generate()
    public_key = tmp_path / 'operator_key.pub'
    write_new_public_key(public_key, raw_public_key(key))
    signer = CommandSigner(key, 'operator')
    mqtt = MqttProbe(broker.endpoint('operator'), 'operator-centre', clean_session=False)
    assert mqtt.connect().value == 0
    mqtt.subscribe(f'fracturescope/{ROBOT}/#', qos=1)
    received = []

    def wait_for(done, timeout_s=60.0):
        deadline = time.monotonic() + timeout_s
        while not done():
            received.append(mqtt.next_message(max(0.1, deadline - time.monotonic())))

    def answers(nonce):
        return [a for m in received if m.topic.endswith('/alerts/defect') for a in [decode(m.payload)]
                if a['details'].get('request', {}).get('nonce') == nonce]

    launch = graph_launch_file(tmp_path, broker.endpoint().port, public_key)
    with launched(launch, env=graph_env, log_dir=tmp_path / 'logs'), GraphProbe(graph_env, 'inspect_probe') as probe:
        observed = watch_graph(probe)
        detections = probe.collect(DefectDetection, 'defects', RELIABLE_EVENTS)
        commands = probe.node.create_publisher(OperatorCommand, 'operator/command', RELIABLE_EVENTS)
        assert probe.spin_until(lambda: len(detections) >= 2 and commands.get_subscription_count() >= 1, 60.0)
        wait_for(lambda: any(m.topic.endswith('/status') and json.loads(m.payload)['link']['connected']
                             for m in received))

        # two requests at once: each answered by its own pair, the repeat suppression does not hold the second back
        first = sign_command(signer, 'inspect_again', target='perception')
        second = sign_command(signer, 'inspect_again')      # target "": perception obeys it too
        mqtt.publish(commands_topic(ROBOT), first)
        mqtt.publish(commands_topic(ROBOT), second)
        nonces = [decode_command(first).nonce, decode_command(second).nonce]
        wait_for(lambda: all(answers(n) for n in nonces))
        assert probe.spin_until(lambda: all(any(d.request_nonce == n for d in detections) for n in nonces), 10.0)
        for nonce in nonces:
            (alert,) = answers(nonce)
            assert alert['details']['request'] == {'issuer': 'operator', 'nonce': nonce}
            assert alert['thumbnail'] and alert['thumbnail']['jpeg_base64'] and alert['ledger']['index'] is not None
            (answer,) = [d for d in detections if d.request_nonce == nonce]   # reinspect_pairs: 1
            assert answer.requested_by == 'operator' and alert['stamp_ns'] == \
                answer.header.stamp.sec * 10**9 + answer.header.stamp.nanosec

        # on DDS: the first request again (a replay), and one signed by a key nobody trusts
        commands.publish(fill_message(decode_command(first), OperatorCommand()))
        forger = CommandSigner(Ed25519PrivateKey.generate(), 'operator')
        forged = decode_command(sign_command(forger, 'inspect_again', target='perception'))
        commands.publish(fill_message(forged, OperatorCommand()))
        assert probe.spin_until(
            lambda: observed.at_least(DEFECT_DETECTOR, COMMAND_REJECTED[Rejection.REPLAYED], 1)
            and observed.at_least(DEFECT_DETECTOR, COMMAND_REJECTED[Rejection.BAD_SIGNATURE], 1), 20.0)
        probe.spin_until(lambda: False, 2.0)
        reading = observed.read(DEFECT_DETECTOR)
        assert reading[REINSPECTIONS_REQUESTED] == 2 and reading[REINSPECTIONS_ANSWERED] == 2
        assert not [d for d in detections if d.request_nonce == forged.nonce]
        assert {d.request_nonce for d in detections} == {0, *nonces}
    mqtt.disconnect()
