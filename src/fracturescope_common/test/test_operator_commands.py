"""Operator-command authentication: every reason a command is refused, and the exact signed bytes."""

from dataclasses import replace
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.operator_commands import (
    ESTOP,
    MANUAL,
    STOP,
    CommandFields,
    CommandSigner,
    CommandVerifier,
    Rejection,
    canonical_bytes,
    fields_of,
    finite_args,
    load_trusted_keys,
    parse_trusted_keys,
)
from fracturescope_common.used_nonces import UsedNonce, UsedNonceFile
import pytest

NOW = 1_800_000_000 * 10**9


class Clock:
    def __init__(self, ns=NOW):
        self.ns = ns

    def __call__(self):
        return self.ns


@pytest.fixture
def operator():
    return CommandSigner(Ed25519PrivateKey.generate(), 'op-1')


@pytest.fixture
def clock():
    return Clock()


def public_of(operator):
    return operator._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture
def verifier(operator, clock, tmp_path):
    return CommandVerifier({'op-1': public_of(operator)}, max_age_s=5.0, max_future_s=1.0, max_remembered=3,
                           clock_ns=clock, used_nonces=UsedNonceFile(tmp_path / 'used_nonces'))


def test_canonical_bytes_layout():
    fields = CommandFields(MANUAL, (30.5, -1.0), 'control', 'op-1', -5, 2**64 - 1, b'ignored')
    assert canonical_bytes(fields) == (b'FSOPCMD-v1\n' + bytes([4]) + struct.pack('>I', 2)
                                       + struct.pack('>dd', 30.5, -1.0) + struct.pack('>I', 7) + b'control'
                                       + struct.pack('>I', 4) + b'op-1'
                                       + struct.pack('>q', -5) + struct.pack('>Q', 2**64 - 1))
    # The signature is not covered; every other field is.
    assert canonical_bytes(replace(fields, signature=b'')) == canonical_bytes(fields)
    for change in ({'command': STOP}, {'args': (30.5,)}, {'target': 'x'}, {'issuer': 'op-2'},
                   {'issued_at_ns': -4}, {'nonce': 0}):
        assert canonical_bytes(replace(fields, **change)) != canonical_bytes(fields)
    with pytest.raises(ValueError):
        canonical_bytes(replace(fields, nonce=-1))


def test_good_command_is_accepted_once(operator, verifier):
    command = operator.sign(MANUAL, (31.0, 29.0), 'control', issued_at_ns=NOW - 10**9)
    verdict = verifier.check(command)
    assert verdict.accepted and verdict.reason is None
    again = verifier.check(command)
    assert (again.accepted, again.reason) == (False, Rejection.REPLAYED)


@pytest.mark.parametrize('change, reason', [
    ({'signature': b''}, Rejection.UNSIGNED),
    ({'issuer': 'mallory'}, Rejection.UNKNOWN_ISSUER),
    ({'args': (50.0, 0.0)}, Rejection.BAD_SIGNATURE),          # fields changed after signing
    ({'signature': bytes(64)}, Rejection.BAD_SIGNATURE),
    ({'signature': b'short'}, Rejection.BAD_SIGNATURE),
])
def test_tampered_or_unsigned_commands_are_refused(operator, verifier, change, reason):
    command = replace(operator.sign(MANUAL, (31.0, 29.0), issued_at_ns=NOW), **change)
    verdict = verifier.check(command)
    assert (verdict.accepted, verdict.reason) == (False, reason)


def test_signed_by_an_untrusted_key_under_a_trusted_name(verifier):
    impostor = CommandSigner(Ed25519PrivateKey.generate(), 'op-1')
    assert verifier.check(impostor.sign(ESTOP, issued_at_ns=NOW)).reason == Rejection.BAD_SIGNATURE


def test_freshness_window(operator, verifier):
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW - 5 * 10**9 - 1)).reason == Rejection.EXPIRED
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW + 10**9 + 1)).reason == Rejection.FROM_FUTURE
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW - 5 * 10**9)).accepted
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW + 10**9)).accepted


def test_nonces_are_forgotten_only_once_expired_and_memory_is_bounded(operator, verifier, clock):
    first = operator.sign(STOP, issued_at_ns=NOW, nonce=1)
    assert verifier.check(first).accepted
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW, nonce=2)).accepted
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW + 1, nonce=3)).accepted
    # Memory full (3): a fourth fresh command is refused rather than a nonce forgotten early.
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW, nonce=4)).reason == Rejection.TOO_MANY
    clock.ns = NOW + 5 * 10**9
    assert verifier.check(first).reason == Rejection.REPLAYED      # still fresh: still remembered
    clock.ns = NOW + 5 * 10**9 + 1
    assert verifier.check(first).reason == Rejection.EXPIRED  # now refused for its age, so its nonce may be forgotten
    assert verifier.check(operator.sign(STOP, issued_at_ns=clock.ns, nonce=5)).accepted
    assert verifier.remembered == 2                       # nonces 1 and 2 forgotten, 3 and 5 kept


def test_same_nonce_from_another_issuer_is_not_a_replay(operator, clock):
    other = CommandSigner(Ed25519PrivateKey.generate(), 'op-2')
    raw = {s.issuer: s._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
           for s in (operator, other)}
    verifier = CommandVerifier(raw, 5.0, 1.0, 10, clock)
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW, nonce=9)).accepted
    assert verifier.check(other.sign(STOP, issued_at_ns=NOW, nonce=9)).accepted
    assert verifier.issuers == ['op-1', 'op-2']


def test_trusted_keys_from_hex_and_files(tmp_path):
    signer = CommandSigner.from_key_file(tmp_path / 'op.pem', 'op-1', create=True)
    raw = (tmp_path / 'op.pem.pub').read_text().strip()
    pem_pub = tmp_path / 'op2.pem'
    pem_pub.write_bytes(signer._key.public_key().public_bytes(serialization.Encoding.PEM,
                                                               serialization.PublicFormat.SubjectPublicKeyInfo))
    keys = parse_trusted_keys([f'op-1:{raw}', f'op-2:{tmp_path / "op.pem.pub"}', f'op-3:{pem_pub}'])
    assert keys['op-1'] == keys['op-2'] == keys['op-3'] == bytes.fromhex(raw)
    for bad in (['op-1'], [':abc'], [f'op-1:{raw}', f'op-1:{raw}'], ['op-1:' + 'zz' * 32],
                [f'op-1:{tmp_path / "missing.pub"}']):
        with pytest.raises((ValueError, OSError)):
            parse_trusted_keys(bad)


def test_fields_of_message_and_argument_check():
    class Stamp:
        sec, nanosec = 12, 34

    class Msg:
        command, args, target, issuer, issued_at, nonce, signature = 4, [1.0, 2.0], 't', 'i', Stamp(), 7, [1, 2]
    fields = fields_of(Msg())
    assert fields == CommandFields(4, (1.0, 2.0), 't', 'i', 12 * 10**9 + 34, 7, b'\x01\x02')
    assert finite_args(fields, 2) == (1.0, 2.0)
    assert finite_args(fields, 3) is None
    assert finite_args(replace(fields, args=(1.0, float('nan'))), 2) is None


def test_unreadable_key_files_are_left_out_and_reported(tmp_path):
    signer = CommandSigner.from_key_file(tmp_path / 'op.pem', 'op-1', create=True)
    keys, unreadable = load_trusted_keys([f'op-1:{tmp_path / "op.pem.pub"}', f'op-2:{tmp_path / "gone.pub"}'])
    assert list(keys) == ['op-1'] and len(unreadable) == 1 and unreadable[0].startswith('op-2: ')
    assert signer.issuer == 'op-1'
    with pytest.raises(ValueError):
        load_trusted_keys([f'op-1:{tmp_path / "op.pem.pub"}', f'op-1:{tmp_path / "op.pem.pub"}'])


def test_a_command_replayed_after_the_receiver_restarts_is_refused(operator, clock, tmp_path):
    """Issue 17: `manual 45 5` captured and replayed 6.7 s after signing, after a restart, was obeyed."""
    def receiver():
        return CommandVerifier({'op-1': public_of(operator)}, 10.0, 1.0, 10, clock_ns=clock,
                               used_nonces=UsedNonceFile(tmp_path / 'used_nonces'))
    command = operator.sign(MANUAL, (45.0, 5.0), issued_at_ns=NOW)
    assert receiver().check(command).accepted
    clock.ns = NOW + 6_700_000_000
    assert receiver().check(command).reason == Rejection.REPLAYED            # restarted: the nonce came back from disk
    clock.ns = NOW + 10 * 10**9 + 1
    restarted = receiver()
    assert restarted.check(command).reason == Rejection.EXPIRED and restarted.remembered == 0
    assert (tmp_path / 'used_nonces').read_text() == ''             # compacted to what is still fresh


def test_without_a_nonce_file_commands_issued_before_the_start_are_refused(operator, clock):
    verifier = CommandVerifier({'op-1': public_of(operator)}, 10.0, 1.0, 10, clock_ns=clock)
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW - 1)).reason == Rejection.BEFORE_START
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW)).accepted


def test_a_line_torn_by_a_crash_is_skipped_and_an_unrecordable_nonce_refuses_the_command(operator, clock, tmp_path):
    path = tmp_path / 'used_nonces'
    path.write_text(f'{{"expires_ns": {NOW + 10**9}, "issuer": "op-1", "nonce": 7}}\n{{"expires_ns": 12')
    assert UsedNonceFile(path).load(NOW) == [UsedNonce(NOW + 10**9, 'op-1', 7)]
    verifier = CommandVerifier({'op-1': public_of(operator)}, 10.0, 1.0, 10, clock_ns=clock,
                               used_nonces=UsedNonceFile(path))
    assert verifier.check(operator.sign(STOP, issued_at_ns=NOW, nonce=7)).reason == Rejection.REPLAYED
    path.unlink()
    path.mkdir()                                                    # no longer writable as a file
    refused = verifier.check(operator.sign(STOP, issued_at_ns=NOW, nonce=8))
    assert refused.reason == Rejection.NOT_RECORDED
    assert not verifier.check(operator.sign(STOP, issued_at_ns=NOW, nonce=8)).accepted
