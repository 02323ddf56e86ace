"""The centre's witness on real ledgers (fracturescope_ledger's store, proofs and signatures): an honest ledger's
checkpoints are accepted one after another; a history rewritten and re-signed with the robot's own key is flagged
at its first checkpoint, whatever proof comes with it."""

from dataclasses import replace

from fracturescope_ledger.checkpoint import CheckpointSigner
from fracturescope_ledger.crash_drill import drill_record
from fracturescope_ledger.store import LedgerStore
from fracturescope_operator.ledger_witness import (
    BAD_SIGNATURE,
    GAP,
    MALFORMED,
    OK,
    REWRITTEN,
    STALE,
    UNKNOWN_ROBOT,
    WRONG_KEY,
    LedgerWitness,
    Witnessed,
)
import pytest


class Robot:
    """A robot's ledger, and the checkpoint alerts its uplink would send (details as in alert_schema)."""

    def __init__(self, path, signer, records):
        self.store = LedgerStore(path, signer, max_batch=1)
        for record in records:
            self.store.append_sync(record)

    def grow(self, records):
        for record in records:
            self.store.append_sync(record)

    def checkpoint(self, proof_from=None):
        checkpoint = self.store.latest_checkpoint()
        details = checkpoint.to_json()
        if proof_from is not None:
            proof, first_root, _ = self.store.consistency_proof(proof_from, checkpoint.tree_size)
            details['consistency'] = {'first_size': proof_from, 'first_root_hash': first_root.hex(),
                                      'proof': [node.hex() for node in proof]}
        return details


@pytest.fixture
def signer(tmp_path):
    return CheckpointSigner.from_key_file(tmp_path / 'ledger.pem')


@pytest.fixture
def honest(tmp_path, signer):
    robot = Robot(tmp_path / 'honest.db', signer, [drill_record(i) for i in range(40)])
    yield robot
    robot.store.close()


def accept(witness, robot_id, details, witnessed):
    verdict = witness.check(robot_id, details, witnessed)
    assert verdict.state == OK, verdict.detail
    return verdict.witnessed


def test_an_honest_ledger_is_witnessed_checkpoint_after_checkpoint(honest, signer):
    witness = LedgerWitness({'robot-1': signer.public_key})
    witnessed = accept(witness, 'robot-1', honest.checkpoint(), Witnessed())
    assert witnessed.tree_size == 40
    honest.grow(drill_record(i) for i in range(40, 61))
    witnessed = accept(witness, 'robot-1', honest.checkpoint(proof_from=40), witnessed)
    assert witnessed.tree_size == 61
    assert accept(witness, 'robot-1', honest.checkpoint(proof_from=61), witnessed) == witnessed   # no growth


def test_a_rewritten_history_signed_with_the_robots_own_key_is_flagged(tmp_path, honest, signer):
    witness = LedgerWitness({'robot-1': signer.public_key})
    witnessed = accept(witness, 'robot-1', honest.checkpoint(), Witnessed())
    # the robot's key in an attacker's hands: block 10 changed, the history rebuilt, extended and re-signed
    records = [drill_record(i) for i in range(50)]
    records[10] = replace(records[10], label='none')
    forged = Robot(tmp_path / 'forged.db', signer, records)
    try:
        verdict = witness.check('robot-1', forged.checkpoint(proof_from=40), witnessed)
        assert verdict.state == REWRITTEN and 'another root' in verdict.detail and verdict.witnessed is None
        lying = forged.checkpoint(proof_from=40)                    # claims the witnessed root for its prefix
        lying['consistency']['first_root_hash'] = witnessed.root_hash
        verdict = witness.check('robot-1', lying, witnessed)
        assert verdict.state == REWRITTEN and 'consistency proof fails' in verdict.detail
        verdict = witness.check('robot-1', forged.checkpoint(), witnessed)   # no proof at all: cannot tell
        assert verdict.state == GAP and verdict.witnessed.tree_size == 50
    finally:
        forged.store.close()
    shorter = Robot(tmp_path / 'shorter.db', signer, [drill_record(i) for i in range(30)])
    try:
        assert witness.check('robot-1', shorter.checkpoint(), witnessed).state == STALE   # older, or blocks removed
        shorter.grow(drill_record(i) for i in range(30, 45))         # ... then growing past what was witnessed:
        assert witness.check('robot-1', shorter.checkpoint(proof_from=30), witnessed).state == GAP   # no proof from 40
        proof = shorter.checkpoint(proof_from=40)                    # a history of other blocks 30-39 than witnessed
        assert witness.check('robot-1', proof, witnessed).state == REWRITTEN
    finally:
        shorter.store.close()


def test_same_size_another_root_is_a_rewrite(tmp_path, honest, signer):
    witness = LedgerWitness({'robot-1': signer.public_key})
    witnessed = accept(witness, 'robot-1', honest.checkpoint(), Witnessed())
    records = [drill_record(i) for i in range(40)]
    records[39] = replace(records[39], confidence=0.01)
    forged = Robot(tmp_path / 'forged.db', signer, records)
    try:
        assert witness.check('robot-1', forged.checkpoint(), witnessed).state == REWRITTEN
    finally:
        forged.store.close()


def test_checkpoints_not_signed_by_the_registered_key_or_not_readable(tmp_path, honest, signer):
    intruder = CheckpointSigner.from_key_file(tmp_path / 'intruder.pem')
    witness = LedgerWitness({'robot-1': signer.public_key, 'robot-2': intruder.public_key})
    assert witness.check('robot-2', honest.checkpoint(), Witnessed()).state == WRONG_KEY
    assert witness.check('robot-9', honest.checkpoint(), Witnessed()).state == UNKNOWN_ROBOT
    tampered = honest.checkpoint()
    tampered['root_hash'] = 'ab' * 32
    assert witness.check('robot-1', tampered, Witnessed()).state == BAD_SIGNATURE
    assert witness.check('robot-1', {'tree_size': 'x'}, Witnessed()).state == MALFORMED
    witnessed = accept(witness, 'robot-1', honest.checkpoint(), Witnessed())
    honest.grow([drill_record(40)])
    broken = honest.checkpoint(proof_from=40)
    broken['consistency']['proof'] = ['not hex']
    assert witness.check('robot-1', broken, witnessed).state == MALFORMED
