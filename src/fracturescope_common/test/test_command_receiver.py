"""The decision every command-receiving node takes per OperatorCommand message (duck-typed here: common has no
message package; the detector graph test sends real ones)."""

from types import SimpleNamespace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.command_receiver import (
    COMMAND_REJECTED,
    COMMANDS_FOR_OTHERS,
    REJECTED,
    CommandReceiver,
    command_verifier,
)
from fracturescope_common.health import Health
from fracturescope_common.keys import raw_public_key
from fracturescope_common.operator_commands import INSPECT_AGAIN, STOP, CommandSigner, Rejection, fill_message


def settings(tmp_path, trusted):
    return SimpleNamespace(trusted_operator_keys=trusted, command_max_age_s=10.0, command_max_future_s=2.0,
                           command_nonce_memory=100, used_nonce_file=str(tmp_path / 'nonces.jsonl'))


def message(fields):
    return fill_message(fields, SimpleNamespace(issued_at=SimpleNamespace()))


def test_only_verified_commands_for_this_target_and_of_its_kinds_come_through(tmp_path):
    key = Ed25519PrivateKey.generate()
    signer = CommandSigner(key, 'op')
    health = Health((COMMANDS_FOR_OTHERS, *COMMAND_REJECTED.keys))
    warnings = []
    receiver = CommandReceiver(command_verifier(settings(tmp_path, [f'op:{raw_public_key(key).hex()}']), print),
                               'perception', {INSPECT_AGAIN}, health, warnings.append, COMMAND_REJECTED)
    asked = signer.sign(INSPECT_AGAIN, target='perception')
    assert receiver.receive(message(asked)) == asked
    assert receiver.receive(message(signer.sign(INSPECT_AGAIN))) is not None           # "" is for everyone
    assert receiver.receive(message(signer.sign(INSPECT_AGAIN, target='control'))) is None
    assert receiver.receive(message(signer.sign(STOP, target='perception'))) is None    # not a command it obeys
    assert health.counters[COMMANDS_FOR_OTHERS.name] == 2
    assert receiver.receive(message(asked)) is None                                     # replayed
    forged = CommandSigner(Ed25519PrivateKey.generate(), 'op').sign(INSPECT_AGAIN, target='perception')
    assert receiver.receive(message(forged)) is None
    assert health.counters[COMMAND_REJECTED[Rejection.REPLAYED].name] == 1
    assert health.counters[COMMAND_REJECTED[Rejection.BAD_SIGNATURE].name] == 1
    assert len(warnings) == 2 and 'replayed' in warnings[0] and 'bad_signature' in warnings[1]
    assert (tmp_path / 'nonces.jsonl').read_text().count('\n') == 2                   # the two obeyed, on disk


def test_a_missing_key_file_is_logged_and_its_operator_refused(tmp_path):
    errors = []
    verifier = command_verifier(settings(tmp_path, [f'op:{tmp_path / "absent.pub"}']), errors.append)
    assert verifier.issuers == [] and len(errors) == 1 and 'absent.pub' in errors[0]
    health = Health((COMMANDS_FOR_OTHERS, *REJECTED.keys))
    receiver = CommandReceiver(verifier, 'control', {STOP}, health, lambda line: None)
    signed = CommandSigner(Ed25519PrivateKey.generate(), 'op').sign(STOP)
    assert receiver.receive(message(signed)) is None
    assert health.counters[REJECTED[Rejection.UNKNOWN_ISSUER].name] == 1
