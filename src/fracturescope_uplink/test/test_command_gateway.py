"""Commands over MQTT: the signed encoding, what is forwarded and what is refused (with its ack)."""

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fracturescope_common.operator_commands import COMMAND_CODES, CommandSigner, CommandVerifier
from fracturescope_uplink.command_gateway import (
    FORWARDED,
    MALFORMED,
    CommandGateway,
    decode_command,
    encode_command,
    sign_command,
)
import pytest


def signer_and_gateway(issuer='alice'):
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    verifier = CommandVerifier({issuer: public}, max_age_s=30.0, max_future_s=5.0, max_remembered=1000)
    return CommandSigner(key, issuer), CommandGateway('robot-7', verifier)


def test_a_signed_command_round_trips_and_is_forwarded_once():
    signer, gateway = signer_and_gateway()
    payload = sign_command(signer, 'manual', (42.0, 41.5), 'control')
    decoded = decode_command(payload)
    assert (decoded.command, decoded.args, decoded.target, decoded.issuer) == (COMMAND_CODES['manual'],
                                                                              (42.0, 41.5), 'control', 'alice')
    result = gateway.handle(payload)
    assert result.reason == FORWARDED and result.command == decoded
    ack = json.loads(result.ack)
    assert ack['accepted'] and ack['nonce'] == decoded.nonce and ack['robot_id'] == 'robot-7'
    replay = gateway.handle(payload)
    assert replay.command is None and replay.reason == 'replayed' and not json.loads(replay.ack)['accepted']


def test_forged_and_unknown_issuer_commands_are_refused():
    signer, gateway = signer_and_gateway()
    tampered = json.loads(sign_command(signer, 'stop'))
    tampered['command'] = 'estop'
    assert gateway.handle(json.dumps(tampered).encode()).reason == 'bad_signature'
    mallory, _ = signer_and_gateway('mallory')
    assert gateway.handle(sign_command(mallory, 'stop')).reason == 'unknown_issuer'
    unsigned = json.loads(sign_command(signer, 'stop'))
    unsigned['signature'] = ''
    assert gateway.handle(json.dumps(unsigned).encode()).reason == 'unsigned'


def test_an_expired_command_is_refused():
    signer, gateway = signer_and_gateway()
    old = json.loads(sign_command(signer, 'resume'))
    stale = signer.sign(COMMAND_CODES['resume'], issued_at_ns=old['issued_at_ns'] - 60 * 10**9)
    assert gateway.handle(encode_command(stale)).reason == 'expired'


@pytest.mark.parametrize('payload', [
    b'', b'\xff\xfe', b'[1, 2]', b'{"schema": "other"}', b'x' * 5000,
    b'{"schema": "fracturescope.command/1", "command": "fly", "issuer": "alice", "nonce": 5}',
    b'{"schema": "fracturescope.command/1", "command": "manual", "args": [1e999], "issuer": "alice",'
    b' "issued_at_ns": 1, "nonce": 5, "signature": "00"}',
    b'{"schema": "fracturescope.command/1", "command": "stop", "issuer": "alice", "issued_at_ns": 1,'
    b' "nonce": -1, "signature": "00"}',
    b'{"schema": "fracturescope.command/1", "command": "stop", "issuer": "alice", "issued_at_ns": 1,'
    b' "nonce": 5, "signature": "zz"}',
])
def test_malformed_payloads_are_refused_with_an_ack_naming_why(payload):
    _, gateway = signer_and_gateway()
    result = gateway.handle(payload)
    ack = json.loads(result.ack)
    assert result.command is None and result.reason == MALFORMED
    assert not ack['accepted'] and ack['reason'] == MALFORMED and ack['detail']
