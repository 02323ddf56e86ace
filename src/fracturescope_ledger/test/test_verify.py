import random
import re
import shutil
import sqlite3

from fracturescope_ledger.crash_drill import drill_record
from fracturescope_ledger.store import LedgerStore
from fracturescope_ledger.verify import verify_ledger
import pytest

SIZE = 200
SAMPLES = random.Random(20240601)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, signer, build_ledger):
    return build_ledger(tmp_path_factory.mktemp("pristine") / "ledger.db", signer, SIZE, batch=7)


@pytest.fixture
def ledger(pristine, tmp_path):
    path = tmp_path / "ledger.db"
    shutil.copyfile(pristine, path)
    return path


def sql(path, statement, *params):
    with sqlite3.connect(path) as conn:
        conn.execute(statement, params)


def body(path, index):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT body FROM blocks WHERE idx = ?", (index,)).fetchone()[0]


def assert_fails_at(path, index, fragment, **kwargs):
    report = verify_ledger(path, **kwargs)
    assert not report.ok
    assert report.first_bad_index == index, report.reason
    assert fragment in report.reason
    return report


def test_pristine_ledger_verifies(pristine, signer):
    report = verify_ledger(pristine, trusted_public_key=signer.public_key)
    assert report.ok and report.blocks_checked == SIZE and report.first_bad_index is None
    assert report.checkpoint.tree_size == SIZE


@pytest.mark.parametrize("trial", range(40))
def test_any_flipped_body_byte_is_pinned_to_its_block(ledger, trial):
    index = SAMPLES.randrange(SIZE)
    original = bytearray(body(ledger, index))
    offset = SAMPLES.randrange(len(original))
    original[offset] ^= 1 << SAMPLES.randrange(8)
    sql(ledger, "UPDATE blocks SET body = ? WHERE idx = ?", bytes(original), index)
    assert_fails_at(ledger, index, f"block {index}: stored hash does not match SHA-256 of its body")


@pytest.mark.parametrize("index", [0, 1, 99, SIZE - 1])
def test_flipped_stored_hash(ledger, index):
    sql(ledger, "UPDATE blocks SET hash = ? WHERE idx = ?", bytes(32), index)
    assert_fails_at(ledger, index, "stored hash does not match")


@pytest.mark.parametrize(("i", "j"), [(3, 4), (10, 150), (0, SIZE - 1)])
def test_reordered_rows(ledger, i, j):
    with sqlite3.connect(ledger) as conn:
        rows = {idx: (digest, data) for idx, digest, data in
                conn.execute("SELECT idx, hash, body FROM blocks WHERE idx IN (?, ?)", (i, j))}
        for index, other in ((i, j), (j, i)):
            conn.execute("UPDATE blocks SET hash = ?, body = ? WHERE idx = ?", (*rows[other], index))
    assert_fails_at(ledger, i, f"block {i}: the body claims index {j} (rows reordered or duplicated)")


def test_duplicated_row(ledger):
    sql(ledger, "UPDATE blocks SET hash = (SELECT hash FROM blocks WHERE idx = 41), "
                "body = (SELECT body FROM blocks WHERE idx = 41) WHERE idx = 42")
    assert_fails_at(ledger, 42, "claims index 41")


@pytest.mark.parametrize("index", [1, 64, 128, 150])
def test_deleted_middle_row(ledger, index):
    sql(ledger, "DELETE FROM blocks WHERE idx = ?", index)
    assert_fails_at(ledger, index, f"block {index} missing")


@pytest.mark.parametrize("keep", [0, 40, 150, SIZE - 1])
def test_truncation_against_the_checkpoint(ledger, keep):
    sql(ledger, "DELETE FROM blocks WHERE idx >= ?", keep)
    report = assert_fails_at(ledger, keep, f"block {keep} missing")
    assert re.search(rf"checkpoint covers \d+ blocks but the ledger holds {keep}$", report.reason)


@pytest.mark.parametrize("index", [0, 17, 100, SIZE - 1])
def test_rewritten_chain_is_pinned_by_the_merkle_cache(ledger, index, rewrite_chain_from):
    rewrite_chain_from(ledger, index)
    assert_fails_at(ledger, index, f"block {index}: the cached Merkle leaf does not match")


def test_rewritten_chain_and_cache_fail_on_the_signed_root(ledger, rewrite_chain_from):
    rewrite_chain_from(ledger, 150, merkle_too=True)
    # milestones at 70, 133 and 196 (batches of 7 crossing multiples of 64): 133 still matches
    assert_fails_at(ledger, None, "the first rewritten block is one of 133..195: the Merkle root of the first "
                                  "196 blocks does not match the milestone checkpoint at that size, while the "
                                  "first 133 match the milestone checkpoint at that size")


def test_checkpoints_published_per_commit_name_the_first_rewritten_block(tmp_path, signer, rewrite_chain_from):
    published = []
    with LedgerStore(tmp_path / "l.db", signer, milestone_every=16) as store:
        store.add_commit_listener(lambda blocks, checkpoint: published.append(checkpoint))
        for seq in range(40):
            store.append_sync(drill_record(seq))
    rewrite_chain_from(tmp_path / "l.db", 35, merkle_too=True)  # after the last milestone (32)
    sql(tmp_path / "l.db", "DELETE FROM checkpoints WHERE tree_size = 40")  # the tester's attack
    assert_fails_at(tmp_path / "l.db", 32, "block 32 is not covered by any signed checkpoint")
    assert_fails_at(tmp_path / "l.db", None, "the first rewritten block is one of 32..39: the Merkle root of "
                    "the first 40 blocks does not match the trusted checkpoint",
                    trusted_checkpoints=published[-1:])
    assert_fails_at(tmp_path / "l.db", 35, "block 35 was rewritten: the Merkle root of the first 36 blocks does "
                    "not match the trusted checkpoint at that size, while the first 35 match the trusted "
                    "checkpoint at that size", trusted_checkpoints=published, trusted_public_key=signer.public_key)


def test_checkpoint_signed_by_another_key(ledger, signer, other_signer):
    with sqlite3.connect(ledger) as conn:
        size, root, stamp = conn.execute(
            "SELECT tree_size, root, timestamp_ns FROM checkpoints ORDER BY tree_size DESC").fetchone()
        forged = other_signer.sign(size, root, stamp)
        conn.execute("UPDATE checkpoints SET public_key = ?, signature = ? WHERE tree_size = ?",
                     (forged.public_key, forged.signature, size))
    assert_fails_at(ledger, None, f"checkpoint at tree size {SIZE} is signed by key {other_signer.key_id}",
                    trusted_public_key=signer.public_key)
    assert verify_ledger(ledger).ok  # without a trusted key any valid signature is accepted: see README


def test_tampered_checkpoint_signature(ledger):
    with sqlite3.connect(ledger) as conn:
        size, signature = conn.execute("SELECT tree_size, signature FROM checkpoints LIMIT 1").fetchone()
        conn.execute("UPDATE checkpoints SET signature = ? WHERE tree_size = ?",
                     (bytes([signature[0] ^ 1]) + signature[1:], size))
    assert_fails_at(ledger, None, f"at tree size {size}: the signature is invalid")


def test_tampered_checkpoint_root(ledger, signer):
    sql(ledger, "UPDATE checkpoints SET root = ? WHERE tree_size = ?", bytes(32), SIZE)
    assert_fails_at(ledger, None, "signature is invalid")


def test_tampered_merkle_cache_node(ledger):
    sql(ledger, "UPDATE merkle_nodes SET hash = ? WHERE level = 3 AND idx = 5", bytes(32))
    assert_fails_at(ledger, None, "(level 3, index 5) does not match")
    sql(ledger, "DELETE FROM merkle_nodes WHERE level = 3 AND idx = 5")
    assert_fails_at(ledger, None, "(level 3, index 5) does not match")


def test_extra_rows_are_reported(ledger):
    sql(ledger, "INSERT INTO merkle_nodes VALUES (0, 9999, ?)", bytes(32))
    assert_fails_at(ledger, None, "node cache holds")


def test_trusted_checkpoints(ledger, signer, other_signer):
    with LedgerStore(ledger, None) as store:
        _, root = store.inclusion_proof(0, 100)
    published = signer.sign(100, root, 1)
    assert verify_ledger(ledger, trusted_checkpoints=[published], trusted_public_key=signer.public_key).ok
    assert_fails_at(ledger, None, "trusted checkpoint at tree size 100",
                    trusted_checkpoints=[other_signer.sign(100, root, 1)], trusted_public_key=signer.public_key)
    assert_fails_at(ledger, None, "does not match the trusted checkpoint",
                    trusted_checkpoints=[signer.sign(100, bytes(32), 1)])
    assert_fails_at(ledger, SIZE, f"the trusted checkpoint covers 300 blocks but the ledger holds {SIZE}",
                    trusted_checkpoints=[signer.sign(300, root, 1)])


def test_range_verification(ledger):
    original = bytearray(body(ledger, 150))
    original[-1] ^= 1
    sql(ledger, "UPDATE blocks SET body = ? WHERE idx = ?", bytes(original), 150)
    report = verify_ledger(ledger, 10, 99)
    assert report.ok and report.blocks_checked == 90
    assert_fails_at(ledger, 150, "block 150", first=100, last=160)
    assert not verify_ledger(ledger, 5, SIZE).ok


def test_parallel_scan_matches_the_serial_one(ledger):
    assert verify_ledger(ledger, workers=2, chunk_level=5).ok
    sql(ledger, "DELETE FROM blocks WHERE idx = 77")
    assert_fails_at(ledger, 77, "block 77 missing", workers=2, chunk_level=5)


def test_unreadable_files(tmp_path):
    assert "cannot read" in verify_ledger(tmp_path / "absent.db").reason
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    assert not verify_ledger(tmp_path / "junk.db").ok
