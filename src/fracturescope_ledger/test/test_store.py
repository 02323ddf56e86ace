import dataclasses
import sqlite3
import threading

from fracturescope_ledger.block import InvalidRecord
from fracturescope_ledger.crash_drill import drill_record
from fracturescope_ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from fracturescope_ledger.store import LedgerClosedError, LedgerStore, ReadOnlyLedgerError, UntrustedLedgerError
from fracturescope_ledger.verify import verify_ledger
from fracturescope_ledger.witness import read_checkpoints
import pytest


def test_group_commit_batches_concurrent_appends(tmp_path, signer):
    with LedgerStore(tmp_path / "l.db", signer) as store:
        def produce(worker):
            futures = [store.append(drill_record(worker * 1000 + i)) for i in range(100)]
            for future in futures:
                future.result(timeout=30)
        threads = [threading.Thread(target=produce, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.size == 800
        assert store.commit_count < 800 / 4
        assert store.latest_checkpoint().tree_size == 800
    assert verify_ledger(tmp_path / "l.db").ok


def test_acknowledged_only_after_commit(tmp_path, signer):
    seen = []
    with LedgerStore(tmp_path / "l.db", signer) as store:
        def check(future):
            block = future.result()
            with sqlite3.connect(tmp_path / "l.db") as other:
                seen.append(other.execute("SELECT hash FROM blocks WHERE idx = ?", (block.index,)).fetchone())
        futures = [store.append(drill_record(i)) for i in range(20)]
        for future in futures:
            future.add_done_callback(check)
        blocks = [f.result() for f in futures]
    assert seen == [(b.hash,) for b in blocks]


def test_chain_indices_and_monotonic_timestamps(tmp_path, signer):
    stamps = iter([100, 50, 200, 10])
    with LedgerStore(tmp_path / "l.db", signer, clock=lambda: next(stamps)) as store:
        blocks = [store.append_sync(drill_record(i)) for i in range(4)]
    assert [b.index for b in blocks] == [0, 1, 2, 3]
    assert [b.timestamp_ns for b in blocks] == [100, 100, 200, 200]
    assert all(b.previous_hash == a.hash for a, b in zip(blocks, blocks[1:], strict=False))


def test_reopen_restores_head_frontier_and_proofs(tmp_path, signer, build_ledger):
    path = build_ledger(tmp_path / "l.db", signer, 77)
    with LedgerStore(path, signer) as store:
        assert store.size == 77
        assert store.head_hash == store.get_block(76).hash
        block = store.append_sync(drill_record(500))
        assert block.index == 77 and block.previous_hash == store.get_block(76).hash
        checkpoint = store.latest_checkpoint()
        assert checkpoint.tree_size == 78 and checkpoint.verify(signer.public_key)
        for index in (0, 31, 77):
            proof, root = store.inclusion_proof(index, 78)
            assert root == checkpoint.root_hash
            assert verify_inclusion(leaf_hash(store.get_block(index).hash), index, 78, proof, root)
        milestone = store.checkpoint_at(64)  # the batch of 16 that crossed 64 blocks ended exactly there
        assert store.checkpoint_at(63) is None and milestone.verify(signer.public_key)
        proof, first_root, second_root = store.consistency_proof(64, 78)
        assert (first_root, second_root) == (milestone.root_hash, checkpoint.root_hash)
        assert verify_consistency(64, 78, first_root, second_root, proof)
        assert [b.index for b in store.iter_blocks(70, 73)] == [70, 71, 72]
    assert verify_ledger(path).ok


def test_checkpoint_retention_keeps_newest_and_milestones(tmp_path, signer):
    with LedgerStore(tmp_path / "l.db", signer, milestone_every=10) as store:
        for i in range(35):
            store.append_sync(drill_record(i))
    with sqlite3.connect(tmp_path / "l.db") as conn:
        sizes = [row[0] for row in conn.execute("SELECT tree_size FROM checkpoints ORDER BY tree_size")]
    assert sizes == [10, 20, 30, 35]


def test_listener_runs_after_commit_and_its_errors_are_contained(tmp_path, signer):
    calls = []
    with LedgerStore(tmp_path / "l.db", signer) as store:
        store.add_commit_listener(lambda blocks, cp: 1 / 0)
        store.add_commit_listener(lambda blocks, cp: calls.append(([b.index for b in blocks], cp.tree_size)))
        store.append_sync(drill_record(1))
        store.append_sync(drill_record(2))
    assert calls == [([0], 1), ([1], 2)]


def test_invalid_records_are_rejected_synchronously(tmp_path, signer):
    with LedgerStore(tmp_path / "l.db", signer) as store:
        with pytest.raises(InvalidRecord, match="confidence is NaN"):
            store.append(dataclasses.replace(drill_record(1), confidence=float("nan")))
        assert store.size == 0 and store.commit_count == 0


def test_failed_commit_fails_futures_and_the_store_recovers(tmp_path, signer):
    path = tmp_path / "l.db"
    with LedgerStore(path, signer, busy_timeout_s=0.05) as store:
        store.append_sync(drill_record(0))
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock: our COMMIT cannot happen
        futures = [store.append(drill_record(i)) for i in range(1, 4)]
        for future in futures:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                future.result(timeout=10)
        assert store.size == 1 and store.failed_commit_count >= 1
        blocker.execute("ROLLBACK")
        blocker.close()
        block = store.append_sync(drill_record(9), timeout=10)
        assert block.index == 1 and block.previous_hash == store.get_block(0).hash
    assert verify_ledger(path).ok


def test_read_only_and_closed_stores_refuse_appends(tmp_path, signer, build_ledger):
    path = build_ledger(tmp_path / "l.db", signer, 3)
    with LedgerStore(path, None) as reader:
        assert reader.size == 3
        with pytest.raises(ReadOnlyLedgerError):
            reader.append(drill_record(1))
    store = LedgerStore(path, signer)
    future = store.append(drill_record(4))
    store.close()
    store.close()
    assert future.result().index == 3  # close drains the queue
    with pytest.raises(LedgerClosedError):
        store.append(drill_record(5))
    with pytest.raises(FileNotFoundError):
        LedgerStore(tmp_path / "absent.db", None)


def witnessed_ledger(tmp_path, signer, count=40):
    """``count`` blocks, one per commit, milestones every 16, every checkpoint in the witness file."""
    path, witness = tmp_path / "l.db", tmp_path / "l.witness"
    with LedgerStore(path, signer, milestone_every=16, witness_path=witness) as store:
        for seq in range(count):
            store.append_sync(drill_record(seq))
    return path, witness


def rows(path, table):
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def test_every_commit_is_witnessed_and_a_sound_ledger_reopens_trusted(tmp_path, signer):
    path, witness = witnessed_ledger(tmp_path, signer)
    with LedgerStore(path, signer, witness_path=witness) as store:
        report = store.wait_verified(10)
        assert report.ok and report.blocks_checked == 40, report.reason
        assert store.append_sync(drill_record(40)).index == 40 and store.refusal is None
        latest = store.latest_checkpoint()
    assert [c.tree_size for c in read_checkpoints(witness)] == list(range(1, 42))
    assert read_checkpoints(witness)[-1] == latest
    with LedgerStore(path, None) as reader, pytest.raises(ReadOnlyLedgerError):
        reader.wait_verified()


@pytest.mark.parametrize("with_witness", [True, False])
def test_a_consistently_rewritten_ledger_is_never_signed_over(tmp_path, signer, rewrite_chain_from, with_witness):
    """The tester's attack: blocks after the last milestone (32) rewritten with hashes and Merkle tree recomputed,
    the newest checkpoint row deleted, the ledger reopened and appended to."""
    path, witness = witnessed_ledger(tmp_path, signer)
    rewrite_chain_from(path, 35, merkle_too=True)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM checkpoints WHERE tree_size = 40")
    checkpoints, witnessed = rows(path, "checkpoints"), witness.read_bytes()
    with LedgerStore(path, signer, witness_path=witness if with_witness else None) as store:
        futures = [store.append(drill_record(seq)) for seq in range(5)]
        report = store.wait_verified(10)
        assert not report.ok
        assert (("does not match the trusted checkpoint" if with_witness else "block 32 is not covered")
                in report.reason)
        for future in futures:
            with pytest.raises(UntrustedLedgerError, match="failed verification when opened"):
                future.result(10)
        with pytest.raises(UntrustedLedgerError):
            store.append_sync(drill_record(6), 10)
        assert store.refusal.startswith(f"{path} failed verification when opened, so nothing is appended")
        assert store.size == 40 and store.commit_count == 0
    assert rows(path, "checkpoints") == checkpoints and witness.read_bytes() == witnessed
    assert not verify_ledger(path, trusted_public_key=signer.public_key).ok


def test_truncation_to_a_milestone_is_caught_by_the_witness(tmp_path, signer):
    path, witness = witnessed_ledger(tmp_path, signer)
    with sqlite3.connect(path) as conn:  # a consistent ledger of 32 blocks, but 40 were witnessed
        conn.execute("DELETE FROM blocks WHERE idx >= 32")
        conn.execute("DELETE FROM merkle_nodes WHERE idx >= 32 >> level")
        conn.execute("DELETE FROM checkpoints WHERE tree_size > 32")
    assert verify_ledger(path, trusted_public_key=signer.public_key).ok
    with LedgerStore(path, signer, witness_path=witness) as store:
        assert "block 32 missing: the trusted checkpoint covers 40 blocks" in store.wait_verified(10).reason
        with pytest.raises(UntrustedLedgerError):
            store.append_sync(drill_record(1), 10)
