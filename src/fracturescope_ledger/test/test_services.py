import sqlite3

from fracturescope_ledger.block import LedgerRecord
from fracturescope_ledger.checkpoint import CheckpointSigner
from fracturescope_ledger.merkle import verify_consistency, verify_inclusion
from fracturescope_ledger.services import LedgerServices
from fracturescope_ledger.store import LedgerStore
import pytest

from fracturescope_msgs.srv import GetCheckpoint, GetConsistencyProof, GetInclusionProof, VerifyLedger


@pytest.fixture
def ledger(tmp_path):
    signer = CheckpointSigner.from_key_file(tmp_path / 'key.pem')
    with LedgerStore(tmp_path / 'ledger.db', signer) as store:
        yield store, LedgerServices(store, signer.public_key)


def append(store, n):
    for i in range(n):
        store.append_sync(LedgerRecord('defect', i, 'slab', (bytes([i]) * 32,), 'crack', 0.9, 'm@1'))


def test_empty_ledger_has_no_checkpoint(ledger):
    _, services = ledger
    response = services.checkpoint(GetCheckpoint.Request(), GetCheckpoint.Response())
    assert not response.success and response.message == 'the ledger is empty'


def test_verify_whole_and_range(ledger):
    store, services = ledger
    append(store, 12)
    response = VerifyLedger.Response()
    report = services.verify(VerifyLedger.Request(whole_ledger=True), response)
    assert report.ok and response.ok and response.first_bad_index == -1
    assert response.blocks_checked == 12 and response.checkpoint.tree_size == 12
    response = VerifyLedger.Response()
    services.verify(VerifyLedger.Request(first_index=3, last_index=5), response)
    assert response.ok and response.blocks_checked == 3


def test_verify_names_a_tampered_block(ledger, tmp_path):
    store, services = ledger
    append(store, 6)
    with sqlite3.connect(tmp_path / 'ledger.db') as db:
        db.execute("UPDATE blocks SET hash = zeroblob(32) WHERE idx = 2")
    response = VerifyLedger.Response()
    services.verify(VerifyLedger.Request(whole_ledger=True), response)
    assert not response.ok and response.first_bad_index == 2 and 'block 2' in response.reason


def test_inclusion_proof_verifies_against_the_signed_root(ledger):
    store, services = ledger
    append(store, 9)
    response = services.inclusion_proof(GetInclusionProof.Request(index=4), GetInclusionProof.Response())
    assert response.success and response.tree_size == 9
    assert response.checkpoint.tree_size == 9 and response.checkpoint.root_hash == response.root_hash
    assert verify_inclusion(bytes.fromhex(response.leaf_hash), 4, 9, [bytes.fromhex(h) for h in response.audit_path],
                            bytes.fromhex(response.root_hash))


def test_inclusion_proof_out_of_range_is_refused(ledger):
    store, services = ledger
    append(store, 3)
    response = services.inclusion_proof(GetInclusionProof.Request(index=7), GetInclusionProof.Response())
    assert not response.success and response.message


def test_consistency_proof_between_sizes(ledger):
    store, services = ledger
    append(store, 5)
    first_root = store.latest_checkpoint().root_hash
    append(store, 6)
    response = services.consistency_proof(GetConsistencyProof.Request(first_size=5), GetConsistencyProof.Response())
    assert response.success and response.second_size == 11
    assert response.first_root_hash == first_root.hex()
    assert verify_consistency(5, 11, first_root, bytes.fromhex(response.second_root_hash),
                              [bytes.fromhex(h) for h in response.proof])
    bad = services.consistency_proof(GetConsistencyProof.Request(first_size=12, second_size=11),
                                     GetConsistencyProof.Response())
    assert not bad.success and bad.message
