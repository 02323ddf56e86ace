import dataclasses
import sqlite3
import threading

from fracturescope_ledger.block import InvalidRecord
from fracturescope_ledger.crash_drill import drill_record
from fracturescope_ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from fracturescope_ledger.store import LedgerClosedError, LedgerStore, ReadOnlyLedgerError
from fracturescope_ledger.verify import verify_ledger
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
