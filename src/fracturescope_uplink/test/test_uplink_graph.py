"""Integration: the uplink node started from launch/uplink.launch.xml, this test's node publishing what the robot's
nodes publish (separate processes over DDS), a real mosquitto (TLS and passwords) and an operator's MQTT client."""

import json
import os
from pathlib import Path
import signal
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.keys import raw_public_key, write_new_public_key
from fracturescope_common.operator_commands import CommandSigner
from fracturescope_common.qos import LATCHED_STATE, OBSERVER_STREAM, RECORDED_RESULTS, RELIABLE_EVENTS
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
from fracturescope_testing.mqtt_probe import MqttProbe, MqttProbeError
from fracturescope_uplink.alert_schema import decode
from fracturescope_uplink.command_gateway import commands_topic, sign_command
import fracturescope_uplink.diagnostics_contract as dc
import pytest
from sensor_msgs.msg import RegionOfInterest

from fracturescope_msgs.msg import (
    DefectDetection,
    DefectRegion,
    LedgerBlock,
    LedgerCheckpoint,
    OperatorCommand,
    RollCommand,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
LAUNCH = REPO_ROOT / 'launch' / 'uplink.launch.xml'
ROBOT = 'robot-t'
SHA = [f'{i:064x}' for i in range(2)]
pytestmark = pytest.mark.integration


def detection(i: int, location: str = 'pier-3') -> DefectDetection:
    msg = DefectDetection(label='crack', confidence=0.9, class_names=['crack', 'corrosion', 'leak', 'none'],
                          scores=[0.9, 0.05, 0.03, 0.02], anomaly_score=0.2, anomaly_threshold=0.5,
                          location=location, model_id='fusion@test', image_sha256=[f'{i:064x}', 'f' * 64])
    msg.header.stamp.sec, msg.header.stamp.nanosec = 1_700_000_000 + i, 0
    msg.regions = [DefectRegion(roi=RegionOfInterest(x_offset=10, y_offset=20, width=30, height=40), label='crack',
                                confidence=0.9)]
    return msg


def block_of(msg: DefectDetection, index: int) -> LedgerBlock:
    block = LedgerBlock(index=index, record_type='defect', image_sha256=list(msg.image_sha256), hash=f'{index:064x}')
    block.source_stamp = msg.header.stamp
    return block


class Operator:
    """The operator's side: a signing key, the broker account, an MQTT client subscribed to the robot."""

    def __init__(self, tmp_path, broker):
        self.key = Ed25519PrivateKey.generate()
        self.public_key_file = tmp_path / 'operator_key.pub'
        write_new_public_key(self.public_key_file, raw_public_key(self.key))
        self.signer = CommandSigner(self.key, 'operator')
        endpoint = broker.endpoint('operator' if broker.users else None)
        self.mqtt = MqttProbe(endpoint, 'operator-centre', clean_session=False)

    def connect(self):
        assert self.mqtt.connect().value == 0
        self.mqtt.subscribe(f'fracturescope/{ROBOT}/#', qos=1)

    def messages_until(self, done, timeout_s=60.0):
        """Every message until `done(messages)`; MqttProbeError on timeout."""
        got, deadline = [], time.monotonic() + timeout_s
        while not done(got):
            got.append(self.mqtt.next_message(max(0.1, deadline - time.monotonic())))
        return got


def alerts(messages, kind=None):
    return [decode(m.payload) for m in messages if '/alerts/' in m.topic and (kind is None or m.topic.endswith(kind))]


def uplink_args(tmp_path, broker, operator, **extra):
    password = tmp_path / 'robot.password'
    password.write_text('robot-pw\n')
    endpoint = broker.endpoint('robot') if broker.users else broker.endpoint()
    args = {'robot_id': ROBOT, 'broker_host': endpoint.host, 'broker_port': str(endpoint.port),
            'state_dir': str(tmp_path / 'state'), 'operator_public_key': str(operator.public_key_file)}
    if broker.users:
        args.update(broker_username='robot', broker_password_file=str(password))
    if endpoint.tls:
        args['broker_ca_file'] = str(endpoint.ca_file)
    return {**args, **extra}


def test_alerts_reach_the_operator_over_tls_and_signed_commands_come_back(tmp_path, graph_env, mosquitto_factory):
    broker = mosquitto_factory(tls=True, users={'robot': 'robot-pw', 'operator': 'operator-pw'})
    operator = Operator(tmp_path, broker)
    operator.connect()
    with launched(LAUNCH, uplink_args(tmp_path, broker, operator), env=graph_env, log_dir=tmp_path / 'logs'), \
            GraphProbe(graph_env, 'uplink_probe') as probe:
        forwarded = probe.collect(OperatorCommand, 'operator/command', RELIABLE_EVENTS)
        observed = watch_graph(probe)
        checkpoint = LedgerCheckpoint(tree_size=7, root_hash='c' * 64, key_id='k' * 16, public_key='p' * 64,
                                      signature=[1] * 64)
        probe.node.create_publisher(LedgerCheckpoint, 'ledger/checkpoint', LATCHED_STATE).publish(checkpoint)
        defects = probe.node.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS)
        blocks = probe.node.create_publisher(LedgerBlock, 'ledger/blocks', OBSERVER_STREAM)
        modes = probe.node.create_publisher(RollCommand, 'roll_command', RELIABLE_EVENTS)
        assert probe.spin_until(lambda: defects.get_subscription_count() and blocks.get_subscription_count()
                                and modes.get_subscription_count(), 30.0)
        found = detection(1)
        defects.publish(found)
        probe.spin_until(lambda: False, 0.3)
        blocks.publish(block_of(found, 8))
        modes.publish(RollCommand(mode=RollCommand.MODE_AUTO, controller='msnf', f_left_hz=30.0, f_right_hz=30.0))
        modes.publish(RollCommand(mode=RollCommand.MODE_HOLD, controller='msnf', f_left_hz=30.0, f_right_hz=30.0))
        got = operator.messages_until(lambda m: len(alerts(m, 'defect')) >= 1 and len(alerts(m, 'control')) >= 2
                                      and alerts(m, 'checkpoint') and any(x.topic.endswith('/status') for x in m))
        (defect,) = alerts(got, 'defect')
        assert defect['label'] == 'crack' and defect['robot_id'] == ROBOT and defect['stamp_ns'] == 1_700_000_001e9
        assert defect['ledger']['index'] == 8 and defect['ledger']['block_hash'] == f'{8:064x}'
        assert defect['ledger']['checkpoint'] == {'tree_size': 7, 'root_hash': 'c' * 64, 'key_id': 'k' * 16}
        assert defect['details']['regions'][0] == {'label': 'crack', 'confidence': 0.9, 'anomaly_score': 0.0,
                                                    'x': 10, 'y': 20, 'width': 30, 'height': 40}
        assert [a['label'] for a in alerts(got, 'control')] == ['AUTO', 'HOLD']

        # /diagnostics tells whether anything would receive a command: the uplink's writer matched this probe
        assert probe.spin_until(lambda: observed.reported(dc.UPLINK) and
                                observed.read(dc.UPLINK)[dc.COMMAND_RECEIVERS] == 1, 10.0)
        # a signed command reaches operator/command; a forged one and a malformed one are refused, each with an ack
        operator.mqtt.publish(commands_topic(ROBOT), sign_command(operator.signer, 'stop', target='control'))
        forged = json.loads(sign_command(operator.signer, 'resume'))
        forged['command'] = 'estop'
        operator.mqtt.publish(commands_topic(ROBOT), json.dumps(forged))
        operator.mqtt.publish(commands_topic(ROBOT), b'{"schema": "fracturescope.command/1", "command": 5}')
        acks = [json.loads(m.payload) for m in operator.messages_until(
            lambda m: len([x for x in m if x.topic.endswith('command_ack')]) >= 3) if m.topic.endswith('command_ack')]
        assert [(a['accepted'], a['reason']) for a in acks] == [(True, 'forwarded'), (False, 'bad_signature'),
                                                               (False, 'malformed')]
        assert probe.spin_until(lambda: len(forwarded) >= 1, 10.0)
        probe.spin_until(lambda: False, 0.5)
        assert [(c.command, c.target, c.issuer) for c in forwarded] == [(OperatorCommand.STOP, 'control', 'operator')]
    operator.mqtt.disconnect()


def test_a_broker_outage_and_uplink_kills_lose_no_alert_and_keep_order(tmp_path, graph_env, mosquitto_factory):
    broker = mosquitto_factory()
    operator = Operator(tmp_path, broker)
    operator.connect()
    with launched(LAUNCH, uplink_args(tmp_path, broker, operator), env=graph_env,
                  log_dir=tmp_path / 'logs') as graph, GraphProbe(graph_env, 'uplink_probe') as probe:
        defects = probe.node.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS)
        assert probe.spin_until(lambda: defects.get_subscription_count() > 0, 30.0)
        sent = 0

        def publish(n):
            nonlocal sent
            for _ in range(n):
                sent += 1
                defects.publish(detection(sent, location=f'pier-{sent}'))   # other places: no repeat suppression
                probe.spin_until(lambda: False, 0.05)

        publish(5)
        broker.stop()                        # the link goes away for a while ...
        operator.mqtt.disconnect()           # (the operator's client lost it too)
        publish(10)
        os.kill(graph.pid('uplink'), signal.SIGKILL)      # ... and the uplink is killed twice meanwhile
        probe.spin_until(lambda: False, 3.0)    # respawned after 1 s
        publish(5)
        os.kill(graph.pid('uplink'), signal.SIGKILL)
        probe.spin_until(lambda: False, 3.0)
        publish(5)
        broker.start()                       # the link comes back
        operator.connect()
        got = operator.messages_until(lambda m: len({a['alert_id'] for a in alerts(m, 'defect')}) >= sent, 120.0)
    stamps = [a['stamp_ns'] // 10**9 - 1_700_000_000 for a in alerts(got, 'defect')]
    unique = list(dict.fromkeys(stamps))
    assert sorted(unique) == list(range(1, sent + 1))   # none lost
    assert unique == sorted(unique)                    # in order (a duplicate may repeat an earlier one)
    with pytest.raises(MqttProbeError):
        operator.messages_until(lambda m: any(a['stamp_ns'] > 1_700_000_000e9 + sent * 1e9 for a in alerts(m)), 1.0)
    operator.mqtt.disconnect()
