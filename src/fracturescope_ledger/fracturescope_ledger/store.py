"""Durable SQLite storage of the ledger with group commit.

One writer thread owns the writing connection. ``append`` validates a record and queues it; the writer
takes everything queued (up to ``max_batch``), seals the blocks, and writes blocks, the Merkle nodes they
complete and a checkpoint signed over the whole tree in a single transaction. Futures resolve only after
that COMMIT returned, so an acknowledged block survives a process crash (WAL + synchronous=FULL).

Before its first commit the writer verifies the whole file against the newest stored checkpoint and the newest
checkpoint of the witness file; a ledger that fails is *untrusted*: every append fails and nothing is ever signed
over it (issue 17: a forged tree must not receive a genuine signature).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
import logging
import os
from pathlib import Path
import queue
import sqlite3
import threading
import time

from fracturescope_common.durable_sqlite import free_bytes, open_writable
from fracturescope_common.log_throttle import LogThrottle, reason_of

from .block import (
    GENESIS_PREVIOUS_HASH,
    OFFSET_TIMESTAMP,
    Block,
    LedgerRecord,
    decode_block,
    make_block,
)
from .checkpoint import Checkpoint, CheckpointSigner
from .database import open_read_only
from .merkle import (
    MerkleFrontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    subtree_root,
)
from .verify import VerifyReport, verify_ledger
from .witness import CheckpointWitness

SCHEMA_VERSION = 1
CommitListener = Callable[[list[Block], Checkpoint], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (idx INTEGER PRIMARY KEY, hash BLOB NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS merkle_nodes (
    level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    tree_size INTEGER PRIMARY KEY, root BLOB NOT NULL, timestamp_ns INTEGER NOT NULL,
    public_key BLOB NOT NULL, signature BLOB NOT NULL, milestone INTEGER NOT NULL
);
"""
_CHECKPOINT_COLUMNS = "tree_size, root, timestamp_ns, public_key, signature"
_STOP = object()
_READ_BATCH = 4096
_LOG_PERIOD_S = 10.0

_log = logging.getLogger(__name__)


class ReadOnlyLedgerError(RuntimeError):
    """Raised by append on a store opened without a signer."""


class LedgerClosedError(RuntimeError):
    """Raised by append after close()."""


class LowDiskSpaceError(RuntimeError):
    """Fails a batch when the disk holding the ledger has less free space than the reserve: nothing is written."""


class UntrustedLedgerError(RuntimeError):
    """Fails every append to a ledger that failed verification when opened: nothing is signed over it."""


class LedgerStore:
    """An append-only, hash-chained, Merkle-checkpointed ledger in one SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        signer: CheckpointSigner | None,
        *,
        max_batch: int = 512,
        milestone_every: int = 1024,
        clock: Callable[[], int] = time.time_ns,
        busy_timeout_s: float = 5.0,
        witness_path: str | os.PathLike[str] | None = None,
        free_space_reserve_bytes: int = 0,
        free_space: Callable[[Path], int] = free_bytes,
    ) -> None:
        """``witness_path``: the witness file (witness.py) every checkpoint is appended to after its commit.
        ``free_space_reserve_bytes``: a batch is refused while ``free_space(folder of path)`` is below it."""
        if max_batch < 1 or milestone_every < 1:
            raise ValueError("max_batch and milestone_every must be positive")
        self._path = Path(path)
        self._signer = signer
        self._max_batch = max_batch
        self._milestone_every = milestone_every
        self._clock = clock
        self._reserve = free_space_reserve_bytes
        self._free_space = free_space
        self._listeners: list[CommitListener] = []
        self._state_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._closed = False
        self._commits = 0
        self._failed_commits = 0
        self._refusal: str | None = None
        self._untrusted: str | None = None
        self._verified: Future[VerifyReport] = Future()
        self._log_throttle = LogThrottle(_LOG_PERIOD_S)
        self._witness = None if witness_path is None or signer is None else CheckpointWitness(witness_path)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._writer = None if signer is None else open_writable(self._path, busy_timeout_s)
        try:
            if self._writer is not None:
                _create_schema(self._writer)
            self._reader = (open_read_only(self._path, busy_timeout_s) if self._writer is None
                            else open_writable(self._path, busy_timeout_s))
            _check_schema_version(self._reader)
            self._restore_state()
        except BaseException:
            for conn in (self._writer, getattr(self, "_reader", None)):
                if conn is not None:
                    conn.close()
            raise
        self._thread = None
        if self._writer is not None:
            # The connection is handed over: from here on only the writer thread touches it.
            self._thread = threading.Thread(target=self._run, name=f"ledger-writer:{self._path.name}",
                                            daemon=True)
            self._thread.start()

    # -- appending ----------------------------------------------------------------------------

    def append(self, record: LedgerRecord) -> Future[Block]:
        """Validate now (InvalidRecord), seal and commit soon; the future resolves after COMMIT."""
        if self._signer is None:
            raise ReadOnlyLedgerError(f"{self._path} was opened without a signing key")
        record.validate()
        future: Future[Block] = Future()
        with self._state_lock:
            if self._closed:
                raise LedgerClosedError(f"{self._path} is closed")
            self._queue.put((record, future))
        return future

    def append_sync(self, record: LedgerRecord, timeout: float | None = None) -> Block:
        """append() and wait for the acknowledgement."""
        return self.append(record).result(timeout)

    def add_commit_listener(self, fn: CommitListener) -> None:
        """Call ``fn(blocks, checkpoint)`` on the writer thread after every commit."""
        self._listeners.append(fn)

    # -- state ------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def size(self) -> int:
        """Number of committed blocks (as of opening, for a read-only store)."""
        with self._state_lock:
            return self._size

    @property
    def head_hash(self) -> bytes:
        """Hash of the newest block, or the genesis previous-hash of an empty ledger."""
        with self._state_lock:
            return self._head

    @property
    def commit_count(self) -> int:
        """Transactions committed by this handle: appends / commit_count is the group-commit factor."""
        with self._state_lock:
            return self._commits

    @property
    def failed_commit_count(self) -> int:
        with self._state_lock:
            return self._failed_commits

    @property
    def refusal(self) -> str | None:
        """Why appends fail now, or None: the last failed commit's error until a commit succeeds again; for good
        on an untrusted ledger."""
        with self._state_lock:
            return self._refusal

    def wait_verified(self, timeout: float | None = None) -> VerifyReport:
        """The verification run before the first commit; appends wait for it, and fail if it failed."""
        if self._signer is None:
            raise ReadOnlyLedgerError(f"{self._path} was opened without a signing key: it is not verified on open")
        return self._verified.result(timeout)

    # -- reading ----------------------------------------------------------------------------

    def latest_checkpoint(self) -> Checkpoint | None:
        """The newest stored checkpoint; it covers every block."""
        with self._read() as conn:
            row = conn.execute(f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints "
                               "ORDER BY tree_size DESC LIMIT 1").fetchone()
        return None if row is None else Checkpoint(*row)

    def checkpoint_at(self, tree_size: int) -> Checkpoint | None:
        """The stored checkpoint for exactly ``tree_size`` blocks, if it was kept."""
        with self._read() as conn:
            row = conn.execute(f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size = ?",
                               (tree_size,)).fetchone()
        return None if row is None else Checkpoint(*row)

    def get_block(self, index: int) -> Block:
        """The block at ``index``; IndexError if there is none."""
        with self._read() as conn:
            row = conn.execute("SELECT body FROM blocks WHERE idx = ?", (index,)).fetchone()
        if row is None:
            raise IndexError(f"block {index} is not in the ledger")
        return decode_block(row[0])

    def iter_blocks(self, start: int = 0, end: int | None = None) -> Iterator[Block]:
        """Blocks with start <= index < end, read in batches."""
        end = self.size if end is None else end
        while start < end:
            with self._read() as conn:
                rows = conn.execute("SELECT body FROM blocks WHERE idx >= ? AND idx < ? ORDER BY idx",
                                    (start, min(end, start + _READ_BATCH))).fetchall()
            if not rows:
                return
            for (body,) in rows:
                yield decode_block(body)
            start += _READ_BATCH

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> tuple[list[bytes], bytes]:
        """(audit path of block ``index`` in the tree of ``tree_size`` blocks, that tree's root)."""
        tree_size = self.size if tree_size is None else tree_size
        self._check_tree_size(tree_size)
        with self._read() as conn:
            node = _node_accessor(conn)
            return inclusion_proof(index, tree_size, node), subtree_root(0, tree_size, node)

    def consistency_proof(self, first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
        """(proof that tree ``first`` is a prefix of tree ``second``, first root, second root)."""
        self._check_tree_size(second)
        with self._read() as conn:
            node = _node_accessor(conn)
            return (consistency_proof(first, second, node), subtree_root(0, first, node),
                    subtree_root(0, second, node))

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Commit everything queued, stop the writer and close the database (idempotent)."""
        with self._state_lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join()
        if self._witness is not None:
            self._witness.close()
        with self._read_lock:
            self._reader.close()

    def __enter__(self) -> LedgerStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._read_lock:
            self._reader.execute("BEGIN")  # one snapshot for multi-query reads such as proofs
            try:
                yield self._reader
            finally:
                self._reader.execute("COMMIT")

    def _check_tree_size(self, tree_size: int) -> None:
        if not 0 <= tree_size <= self.size:
            raise ValueError(f"tree size {tree_size} is beyond the ledger's {self.size} blocks")

    def _restore_state(self) -> None:
        """Load head and Merkle frontier from the newest block and the stored nodes: O(log n)."""
        with self._read() as conn:
            row = conn.execute("SELECT idx, hash, body FROM blocks ORDER BY idx DESC LIMIT 1").fetchone()
            size = 0 if row is None else row[0] + 1
            frontier = MerkleFrontier.restore(size, _node_accessor(conn))
        with self._state_lock:
            self._size = size
            self._frontier = frontier
            self._head = GENESIS_PREVIOUS_HASH if row is None else row[1]
            self._last_timestamp = (-(2**63) if row is None else
                                    int.from_bytes(row[2][OFFSET_TIMESTAMP:OFFSET_TIMESTAMP + 8], "big",
                                                   signed=True))

    def _verify_on_open(self) -> None:
        """Hold the file to its newest stored checkpoint and to the newest witnessed one, which a rewrite of the
        database cannot delete; until this returns nothing is committed."""
        try:
            witnessed = [] if self._witness is None else [c for c in [self._witness.newest()] if c is not None]
            report = verify_ledger(self._path, trusted_public_key=self._signer.public_key,
                                   trusted_checkpoints=witnessed)
        except OSError as exc:
            report = VerifyReport(False, 0, None, f"cannot read the witness file: {exc}", None, 0.0)
        if not report.ok:
            with self._state_lock:
                self._untrusted = self._refusal = (
                    f"{self._path} failed verification when opened, so nothing is appended to or signed over it "
                    f"(move it away to start a new ledger): {report.reason}")
        self._verified.set_result(report)

    def _run(self) -> None:
        self._verify_on_open()
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            while len(batch) < self._max_batch and batch[-1] is not _STOP:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if batch[-1] is _STOP:
                stopping = True
                batch.pop()
            if batch:
                self._commit(batch)
        self._writer.close()

    def _commit(self, batch: list[tuple[LedgerRecord, Future[Block]]]) -> None:
        pending = [(record, future) for record, future in batch if future.set_running_or_notify_cancel()]
        if not pending:
            return
        try:
            self._check_writable()
            blocks, checkpoint, frontier = self._write(pending)
        except Exception as exc:
            self._log_error(reason_of(exc), "ledger commit of %d blocks failed: %s", len(pending), exc)
            with self._state_lock:
                self._failed_commits += 1
                self._refusal = str(exc)
            self._resync_after_failure()
            for _, future in pending:
                future.set_exception(exc)
            return
        with self._state_lock:
            self._size = frontier.size
            self._frontier = frontier
            self._head = blocks[-1].hash
            self._last_timestamp = blocks[-1].timestamp_ns
            self._commits += 1
            self._refusal = None
        self._witness_checkpoint(checkpoint)
        for block, (_, future) in zip(blocks, pending, strict=True):
            future.set_result(block)
        for listener in list(self._listeners):
            try:
                listener(blocks, checkpoint)
            except Exception:
                _log.exception("ledger commit listener %r failed", listener)

    def _check_writable(self) -> None:
        """Refuse the batch before anything is signed or written: an untrusted ledger, or a disk so full that
        SQLite could fail half-way through the transaction (it needs room for the WAL and the new pages)."""
        if self._untrusted is not None:
            raise UntrustedLedgerError(self._untrusted)
        free = self._free_space(self._path.parent)
        if free < self._reserve:
            raise LowDiskSpaceError(f"only {free / 1e6:.1f} MB free on the disk holding {self._path}, below the "
                                    f"reserve of {self._reserve / 1e6:.1f} MB: blocks not written")

    def _witness_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Append the committed checkpoint to the witness file. After COMMIT, so the witness never runs ahead of
        the database; if this fails the blocks are still durable and the next commit's checkpoint covers them."""
        if self._witness is None:
            return
        try:
            self._witness.append(checkpoint)
        except OSError as exc:
            self._log_error("witness", "checkpoint at tree size %d not written to the witness file %s: %s",
                            checkpoint.tree_size, self._witness.path, exc)

    def _log_error(self, reason: str, message: str, *args: object) -> None:
        held = self._log_throttle.admit(reason)
        if held is not None:
            _log.error(message + ("" if not held else f" ({held} more like it since the last report)"), *args)

    def _write(self, pending: list[tuple[LedgerRecord, Future[Block]]]
               ) -> tuple[list[Block], Checkpoint, MerkleFrontier]:
        """Seal the blocks on a copy of the head state and commit them with a new checkpoint."""
        with self._state_lock:
            frontier = self._frontier.copy()
            previous, timestamp = self._head, self._last_timestamp
        first = frontier.size
        blocks, nodes = [], []
        for record, _ in pending:
            timestamp = max(self._clock(), timestamp)  # never step back, even if the wall clock does
            block = make_block(frontier.size, timestamp, record, previous)
            nodes += frontier.append(leaf_hash(block.hash))
            blocks.append(block)
            previous = block.hash
        checkpoint = self._signer.sign(frontier.size, frontier.root(), timestamp)
        milestone = first // self._milestone_every != frontier.size // self._milestone_every
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT INTO blocks (idx, hash, body) VALUES (?, ?, ?)",
                             [(b.index, b.hash, b.canonical) for b in blocks])
            conn.executemany("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
            conn.execute("DELETE FROM checkpoints WHERE milestone = 0")
            conn.execute(f"INSERT INTO checkpoints ({_CHECKPOINT_COLUMNS}, milestone) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (checkpoint.tree_size, checkpoint.root_hash, checkpoint.timestamp_ns,
                          checkpoint.public_key, checkpoint.signature, int(milestone)))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return blocks, checkpoint, frontier

    def _resync_after_failure(self) -> None:
        """Reload the head from disk: a failed COMMIT may or may not have reached it."""
        try:
            self._restore_state()
        except sqlite3.Error as exc:
            _log.error("could not reload the ledger head after a failed commit: %s", exc)


def _create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        # executescript() would COMMIT on its own, so run the statements one by one inside ours.
        for statement in filter(str.strip, _SCHEMA.split(";")):
            conn.execute(statement)
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                     (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _check_schema_version(conn: sqlite3.Connection) -> None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError as exc:
        raise ValueError(f"not a FractureScope ledger: {exc}") from exc
    if row is None or row[0] != str(SCHEMA_VERSION):
        raise ValueError(f"ledger schema version {row and row[0]!r}, expected {SCHEMA_VERSION}")


def _node_accessor(conn: sqlite3.Connection) -> Callable[[int, int], bytes]:
    def node(level: int, index: int) -> bytes:
        row = conn.execute("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?",
                           (level, index)).fetchone()
        if row is None:
            raise LookupError(f"Merkle node (level {level}, index {index}) is missing from the ledger")
        return row[0]

    return node

