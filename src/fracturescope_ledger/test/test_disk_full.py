"""A disk that fills up: appends are refused with a reason, nothing unrecorded is acknowledged or published,
and the ledger records again once space returns."""

import logging
import sqlite3

from fracturescope_common.log_throttle import reason_of
from fracturescope_ledger.crash_drill import drill_record
from fracturescope_ledger.store import LedgerStore, LowDiskSpaceError
from fracturescope_ledger.verify import verify_ledger
import pytest

from fracturescope_ledger import store as store_module

MB = 1_000_000


class Published:
    """A commit listener, as the node's publisher of ledger/blocks."""

    def __init__(self):
        self.blocks = []

    def __call__(self, blocks, checkpoint):
        self.blocks += blocks


def stored_hashes(path):
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT idx, hash FROM blocks"))


def test_appends_are_refused_below_the_reserve_and_recorded_again_when_space_returns(tmp_path, signer, caplog):
    free = {"bytes": 100 * MB}
    path = tmp_path / "l.db"
    published = Published()
    with LedgerStore(path, signer, free_space_reserve_bytes=64 * MB, free_space=lambda folder: free["bytes"],
                     witness_path=tmp_path / "l.witness") as store:
        store.add_commit_listener(published)
        store.append_sync(drill_record(0))
        free["bytes"] = 10 * MB
        with caplog.at_level(logging.ERROR, logger=store_module.__name__):
            for seq in range(1, 30):
                with pytest.raises(LowDiskSpaceError, match=r"only 10.0 MB free .* below the reserve of 64.0 MB"):
                    store.append_sync(drill_record(seq), 10)
        assert len(caplog.records) == 1  # one line per reason and period, not one per detection
        assert store.refusal.startswith("only 10.0 MB free") and store.size == 1
        free["bytes"] = 70 * MB
        assert store.append_sync(drill_record(99), 10).index == 1
        assert store.refusal is None
    assert [b.index for b in published.blocks] == [0, 1]
    assert stored_hashes(path) == {b.index: b.hash for b in published.blocks}
    assert verify_ledger(path, trusted_public_key=signer.public_key).ok


def test_sqlite_full_half_way_is_rolled_back_and_the_store_recovers(tmp_path, signer, monkeypatch):
    """A real SQLITE_FULL: the database is capped with PRAGMA max_page_count, so SQLite fails mid-transaction."""
    connections = []
    real_open_writable = store_module.open_writable

    def keep_writer(path, busy_timeout_s):
        connections.append(real_open_writable(path, busy_timeout_s))
        return connections[-1]
    monkeypatch.setattr(store_module, "open_writable", keep_writer)
    path = tmp_path / "l.db"
    published = Published()
    with LedgerStore(path, signer, max_batch=64) as store:
        store.add_commit_listener(published)
        store.append_sync(drill_record(0))
        writer = connections[0]
        writer.execute(f"PRAGMA max_page_count={writer.execute('PRAGMA page_count').fetchone()[0] + 8}")
        futures = [store.append(drill_record(seq)) for seq in range(1, 400)]  # batches of up to 64
        failed = [f for f in futures if f.exception(10) is not None]
        assert failed and all(reason_of(f.exception()) == "SQLITE_FULL" for f in failed)
        acknowledged = [f.result() for f in futures if f not in failed]
        assert stored_hashes(path) == {b.index: b.hash for b in [published.blocks[0], *acknowledged]}
        assert published.blocks[1:] == acknowledged  # only what is durable was published
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
            for seq in range(400, 1000):  # fill what smaller batches may still have found room in
                store.append_sync(drill_record(seq), 10)
        assert store.refusal == "database or disk is full"
        writer.execute("PRAGMA max_page_count=1073741823")  # space returns
        block = store.append_sync(drill_record(1000), 10)
        assert block.index == len(published.blocks) - 1 and store.refusal is None
    assert stored_hashes(path) == {b.index: b.hash for b in published.blocks}
    assert verify_ledger(path, trusted_public_key=signer.public_key).ok
