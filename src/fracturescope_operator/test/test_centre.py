"""The centre's core on a real SQLite store and real signatures: alerts kept once, statuses and acks, the witness
fed by checkpoint alerts (a rewrite stays flagged), commands signed and logged before they leave."""

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.keys import raw_public_key
from fracturescope_common.operator_commands import CommandSigner, CommandVerifier
from fracturescope_common.used_nonces import UsedNonceFile
from fracturescope_ledger.checkpoint import CheckpointSigner
from fracturescope_operator.centre import CentreError, OperatorCentre
from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_operator.ledger_witness import LedgerWitness
from fracturescope_uplink.alert_schema import encode, new_alert
from fracturescope_uplink.command_gateway import decode_command
from fracturescope_uplink.telemetry import TelemetryWindow, encode_telemetry
import pytest


@pytest.fixture
def ledger_key():
    return CheckpointSigner(Ed25519PrivateKey.generate())


@pytest.fixture
def centre(tmp_path, ledger_key):
    sent = []
    operator_key = Ed25519PrivateKey.generate()
    made = OperatorCentre(open_fleet_store(tmp_path / 'centre.db'), LedgerWitness({'robot-1': ledger_key.public_key}),
                          CommandSigner(operator_key, 'centre'), lambda topic, payload: sent.append((topic, payload)),
                          clock_ns=lambda: 42)
    made.sent, made.operator_public_key = sent, raw_public_key(operator_key)
    yield made
    made.store.close()


def checkpoint_alert(signer, size, root, stamp_ns):
    details = signer.sign(size, root, stamp_ns).to_json()
    return new_alert('robot-1', 'checkpoint', stamp_ns, 'checkpoint', None, {**details, 'consistency': None})


def test_alerts_are_stored_once_and_a_robot_speaks_only_for_itself(centre):
    alert = new_alert('robot-1', 'defect', 5, 'crack', 0.9, {'location': 'pier-3'})
    assert centre.handle('fracturescope/robot-1/alerts/defect', encode(alert)) == 'alert'
    assert centre.handle('fracturescope/robot-1/alerts/defect', encode(alert)) == 'duplicate'
    assert centre.handle('fracturescope/robot-2/alerts/defect', encode(alert)) == 'refused_robot_mismatch'
    assert centre.handle('fracturescope/robot-1/alerts/thermal', encode(alert)) == 'refused_robot_mismatch'
    assert centre.handle('fracturescope/robot-1/alerts/defect', b'{"schema": 1}') == 'refused_malformed'
    assert centre.handle('fracturescope/robot-1/status', b'[1]') == 'refused_malformed'
    assert centre.handle('other/robot-1/status', b'{}') == 'refused_topic'
    assert centre.handle('fracturescope/robot-1/status', b'{"link": {"connected": true}}') == 'status'
    assert centre.store.alert_count() == 1 and centre.store.robot('robot-1').status == {'link': {'connected': True}}
    assert centre.counts['alert'] == 1 and centre.counts['refused_robot_mismatch'] == 2


def test_telemetry_is_stored_for_the_plots_and_forgotten_after_its_retention(centre):
    window = TelemetryWindow('robot-1')
    window.roll_command('AUTO', 1.0, -1.0, 25.0, 25.0, stamp_ns=3)
    payload = encode_telemetry(window.take(2.0))
    assert centre.handle('fracturescope/robot-1/telemetry', payload) == 'telemetry'
    assert centre.handle('fracturescope/robot-2/telemetry', payload) == 'refused_robot_mismatch'
    assert centre.handle('fracturescope/robot-1/telemetry', b'{"schema": "fracturescope.telemetry/1"}') == \
        'refused_malformed'
    (stored,) = centre.store.telemetry('robot-1')
    assert stored.telemetry['alignment']['mean_left_mm'] == 1.0 and stored.received_ns == 42
    centre.clock_ns = lambda: 42 + int((centre.telemetry_keep_s + 61) * 1e9)   # a day and a minute later
    assert centre.handle('fracturescope/robot-1/telemetry', payload) == 'telemetry'
    assert [t.received_ns for t in centre.store.telemetry('robot-1')] == [centre.clock_ns()]


def test_checkpoint_alerts_feed_the_witness_and_a_rewrite_stays_flagged(centre, ledger_key):
    centre.handle('fracturescope/robot-1/alerts/checkpoint', encode(checkpoint_alert(ledger_key, 10, b'a' * 32, 1)))
    assert centre.store.robot('robot-1').witness_state == 'ok'
    centre.handle('fracturescope/robot-1/alerts/checkpoint', encode(checkpoint_alert(ledger_key, 10, b'b' * 32, 2)))
    assert centre.store.robot('robot-1').witness_state == 'rewritten'
    centre.handle('fracturescope/robot-1/alerts/checkpoint', encode(checkpoint_alert(ledger_key, 10, b'a' * 32, 3)))
    robot = centre.store.robot('robot-1')
    assert robot.witness_state == 'rewritten' and robot.witnessed_size == 10 and robot.witnessed_root == '61' * 32
    assert centre.counts['witness_rewritten'] == 1 and centre.counts['witness_ok'] == 2


def test_a_centre_that_came_late_starts_witnessing_from_the_robots_status(centre, ledger_key):
    sent = checkpoint_alert(ledger_key, 10, b'a' * 32, 1)['details']
    status = {'link': {'connected': True}, 'checkpoint_sent': sent}
    assert centre.handle('fracturescope/robot-1/status', json.dumps(status).encode()) == 'status'
    robot = centre.store.robot('robot-1')
    assert (robot.witness_state, robot.witnessed_size) == ('ok', 10)
    older = checkpoint_alert(ledger_key, 8, b'c' * 32, 0)     # an alert delayed behind the status: not a rewrite
    centre.handle('fracturescope/robot-1/alerts/checkpoint', encode(older))
    robot = centre.store.robot('robot-1')
    assert (robot.witness_state, robot.witnessed_size) == ('ok', 10) and centre.counts['witness_stale'] == 1
    centre.handle('fracturescope/robot-1/status', json.dumps(status).encode())   # the same again: not judged again
    assert centre.counts['witness_ok'] == 1


def test_commands_are_logged_then_sent_signed_and_their_ack_is_recorded(centre, tmp_path):
    nonce = centre.send_command('robot-1', 'alice', 'inspect_again', target='perception')
    ((topic, payload),) = centre.sent
    command = decode_command(payload)
    assert topic == 'fracturescope/robot-1/commands' and command.nonce == nonce and command.target == 'perception'
    verifier = CommandVerifier({'centre': centre.operator_public_key}, 10.0, 2.0, 10,
                               used_nonces=UsedNonceFile(tmp_path / 'nonces.jsonl'))
    assert verifier.check(command).accepted                     # what the robot's uplink checks
    ack = {'nonce': nonce, 'accepted': True, 'reason': 'forwarded'}
    assert centre.handle('fracturescope/robot-1/command_ack', json.dumps(ack).encode()) == 'ack'
    (logged,) = centre.store.commands()
    assert (logged.operator, logged.command, logged.ack['reason']) == ('alice', 'inspect_again', 'forwarded')
    with pytest.raises(CentreError):
        centre.send_command('robot-7', 'alice', 'stop')        # not registered
    with pytest.raises(CentreError):
        centre.send_command('robot-1', 'alice', 'self_destruct')
