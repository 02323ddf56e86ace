"""Independent verification of a ledger file.

Nothing stored is trusted that can be recomputed: block hashes, chain links and every Merkle root are
derived from the block bodies, and the stored Merkle-node cache and checkpoints are compared with them.
Only checkpoint signatures vouch for anything, and only when made by the trusted key (if one is given).

The scan runs over chunks of 2**chunk_level blocks aligned to perfect subtrees, so chunks are independent:
each yields its subtree root(s), and large ledgers are scanned by several processes.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
import hashlib
import multiprocessing
import os
import sqlite3
import time

from .block import (
    GENESIS_PREVIOUS_HASH,
    HASH_SIZE,
    OFFSET_INDEX,
    OFFSET_PREVIOUS_HASH,
    MalformedBlock,
    check_canonical,
)
from .checkpoint import Checkpoint, key_id
from .database import open_read_only
from .merkle import MerkleFrontier, fold_root, frontier_positions, leaf_hash

CHUNK_LEVEL = 16
_PARALLEL_MIN_CHUNKS = 4  # below this, starting worker processes costs more than it saves


@dataclass
class VerifyReport:
    """Outcome of verify_ledger; ``first_bad_index`` is None when no particular block is at fault."""

    ok: bool
    blocks_checked: int
    first_bad_index: int | None
    reason: str
    checkpoint: Checkpoint | None
    duration_s: float


def verify_ledger(
    path: str | os.PathLike[str],
    first: int = 0,
    last: int | None = None,
    *,
    trusted_public_key: bytes | None = None,
    trusted_checkpoints: Sequence[Checkpoint] = (),
    workers: int | None = None,
    chunk_level: int = CHUNK_LEVEL,
) -> VerifyReport:
    """Check blocks ``first..last`` (inclusive) fully and the whole tree against the signed checkpoints.

    ``trusted_checkpoints`` were published earlier (a witness file, ``ledger/checkpoint``): a tree recomputed
    after a rewrite fails on them, and the first rewritten block is named when the checkpoints are dense
    enough (see ``_Verification.check_roots``).

    ``workers`` > 1 scans chunks in spawned processes (default: one per CPU for ledgers of at least four
    chunks); like any spawn-based multiprocessing, the calling script needs an ``if __name__ ==
    "__main__"`` guard.
    """
    started = time.perf_counter()
    verification = _Verification(os.fspath(path), first, last, trusted_public_key, trusted_checkpoints,
                                 workers, chunk_level)
    try:
        with closing(_open(path)) as conn:
            conn.execute("BEGIN")  # one snapshot, even while a writer appends
            reason = verification.run(conn)
        ok, first_bad = True, None
    except _VerifyError as failure:
        ok, first_bad, reason = False, failure.index, failure.reason
    except (sqlite3.Error, OSError, LookupError) as exc:
        ok, first_bad, reason = False, None, f"cannot read the ledger {path}: {exc}"
    except BrokenExecutor as exc:
        ok, first_bad, reason = False, None, f"a verification worker process failed: {exc}"
    return VerifyReport(ok, verification.checked, first_bad, reason, verification.checkpoint,
                        time.perf_counter() - started)


class _VerifyError(Exception):
    def __init__(self, index: int | None, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


@dataclass(frozen=True)
class _ChunkTask:
    start: int
    end: int
    first: int
    last: int
    targets: tuple[int, ...]


@dataclass
class _ChunkResult:
    checked: int = 0
    frontier: list[bytes] = field(default_factory=list)
    target_frontiers: dict[int, list[bytes]] = field(default_factory=dict)
    failure: tuple[int | None, str] | None = None


class _Verification:
    def __init__(self, path: str, first: int, last: int | None, trusted_public_key: bytes | None,
                 trusted_checkpoints: Sequence[Checkpoint], workers: int | None, chunk_level: int) -> None:
        self.path = path
        self.first = first
        self.last = last
        self.trusted_key = trusted_public_key
        self.trusted_checkpoints = trusted_checkpoints
        self.workers = workers
        self.chunk_level = chunk_level
        self.checked = 0
        self.checkpoint: Checkpoint | None = None
        self.claims_at: dict[int, list[tuple[str, Checkpoint]]] = {}
        self.vouched = (0, "the empty tree")  # the largest size whose root matched a claim, and that claim

    def run(self, conn: sqlite3.Connection) -> str:
        rows, max_index = conn.execute("SELECT COUNT(*), MAX(idx) FROM blocks").fetchone()
        size = 0 if max_index is None else max_index + 1
        last = size - 1 if self.last is None else self.last
        if not 0 <= self.first <= last + 1 <= size:
            raise _VerifyError(None, f"range {self.first}..{last} is not within the ledger's {size} blocks")
        claims = self._signed_claims(conn)
        self._scan(conn, size, last, claims)
        self._check_coverage(size, claims)
        if rows != size:
            raise _VerifyError(None, f"the blocks table holds {rows - size} rows outside indices "
                                     f"0..{size - 1}")
        stored_nodes = conn.execute("SELECT COUNT(*) FROM merkle_nodes").fetchone()[0]
        expected_nodes = sum(size >> level for level in range(size.bit_length()))
        if stored_nodes != expected_nodes:
            raise _VerifyError(None, f"the Merkle node cache holds {stored_nodes} nodes, "
                                 f"a tree of {size} blocks has {expected_nodes}")
        newest = self.checkpoint
        signed = "no checkpoint (empty ledger)" if newest is None else (
            f"the signed checkpoint at tree size {newest.tree_size} (key {newest.key_id})")
        return (f"{self.checked} blocks verified ({self.first}..{last}); "
                f"the Merkle root recomputed from the bodies matches {signed}")

    def _signed_claims(self, conn: sqlite3.Connection) -> list[tuple[str, Checkpoint]]:
        """Every checkpoint to hold the ledger to, each with a description, after checking signatures."""
        stored = [Checkpoint(*row) for row in conn.execute(
            "SELECT tree_size, root, timestamp_ns, public_key, signature FROM checkpoints "
            "ORDER BY tree_size")]
        self.checkpoint = stored[-1] if stored else None
        claims = [("milestone checkpoint", c) for c in stored[:-1]] + [("checkpoint", c) for c in stored[-1:]]
        claims += [("trusted checkpoint", c) for c in self.trusted_checkpoints]
        for what, checkpoint in claims:
            where = f"{what} at tree size {checkpoint.tree_size}"
            if self.trusted_key is not None and checkpoint.public_key != self.trusted_key:
                raise _VerifyError(None, f"{where} is signed by key {checkpoint.key_id}, "
                                         f"not by the trusted key {key_id(self.trusted_key)}")
            if not checkpoint.verify():
                raise _VerifyError(None, f"{where}: the signature is invalid")
            self.claims_at.setdefault(checkpoint.tree_size, []).append((what, checkpoint))
        return claims

    def _scan(self, conn: sqlite3.Connection, size: int, last: int,
              claims: list[tuple[str, Checkpoint]]) -> None:
        """Check every block and compare recomputed roots with the claims, chunk by chunk."""
        targets = {c.tree_size for _, c in claims if c.tree_size <= size}
        frontier = MerkleFrontier()
        self._check_roots(0, [])
        step = 1 << self.chunk_level
        tasks = [_ChunkTask(start, min(start + step, size), self.first, last,
                            tuple(sorted(t for t in targets if start < t <= start + step)))
                 for start in range(0, size, step)]
        with closing(self._results(conn, tasks)) as results:
            for task, result in zip(tasks, results, strict=False):
                self._merge(conn, frontier, task, result)

    def _merge(self, conn: sqlite3.Connection, frontier: MerkleFrontier, task: _ChunkTask,
               result: _ChunkResult) -> None:
        """Fold one chunk's outcome into the whole-tree state, in index order."""
        self.checked += result.checked
        for tree_size, chunk_frontier in sorted(result.target_frontiers.items()):
            self._check_roots(tree_size, frontier.hashes + chunk_frontier)
        if result.failure is not None:
            raise _VerifyError(*result.failure)
        self._append_chunk(conn, frontier, task, result.frontier)

    def _results(self, conn: sqlite3.Connection, tasks: list[_ChunkTask]) -> Generator[_ChunkResult]:
        workers = self.workers
        if workers is None:
            workers = min(os.cpu_count() or 1, len(tasks)) if len(tasks) >= _PARALLEL_MIN_CHUNKS else 1
        if workers <= 1:
            return (_scan_chunk(conn, task, self.chunk_level) for task in tasks)
        return _parallel_results(self.path, tasks, self.chunk_level, workers)

    def _append_chunk(self, conn: sqlite3.Connection, frontier: MerkleFrontier, task: _ChunkTask,
                      chunk_frontier: list[bytes]) -> None:
        """Grow the whole-tree frontier by a chunk, checking the cached nodes above chunk level."""
        for level, _ in frontier_positions(task.end - task.start):
            completed = frontier.append_subtree(level, chunk_frontier.pop(0))
            for node_level, index, node in completed[1:]:
                row = conn.execute("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?",
                                   (node_level, index)).fetchone()
                if row is None or row[0] != node:
                    raise _VerifyError(None, _cache_mismatch(node_level, index))

    def _check_roots(self, tree_size: int, frontier: list[bytes]) -> None:
        """Compare the recomputed root with the claims at ``tree_size``; sizes come in increasing order.

        A consistent rewrite (blocks, hashes and Merkle nodes recomputed) passes every per-block check; only
        the signed roots betray it. A root that matches vouches for every block below its size, so the first
        rewritten block lies between the largest matching claim and the first failing one: exactly named when
        they are one block apart (the witness holds a checkpoint per commit).
        """
        claims = self.claims_at.get(tree_size, [])
        root = fold_root(frontier)
        for what, checkpoint in claims:
            if checkpoint.root_hash != root:
                start, vouched_by = self.vouched
                found = f"the Merkle root of the first {tree_size} blocks does not match the {what} at that size"
                if start:
                    found += f", while the first {start} match {vouched_by}"
                if start == tree_size - 1:
                    raise _VerifyError(start, f"block {start} was rewritten: {found}")
                raise _VerifyError(None, f"the first rewritten block is one of {start}..{tree_size - 1}: {found}")
        if claims:
            self.vouched = (tree_size, f"the {claims[0][0]} at that size")

    def _check_coverage(self, size: int, claims: list[tuple[str, Checkpoint]]) -> None:
        """Truncation (a claim beyond the stored blocks) and blocks no checkpoint vouches for."""
        for what, checkpoint in claims:
            if checkpoint.tree_size > size:
                raise _VerifyError(size, f"block {size} missing: the {what} covers "
                                         f"{checkpoint.tree_size} blocks but the ledger holds {size}")
        covered = 0 if self.checkpoint is None else self.checkpoint.tree_size
        if covered < size:
            raise _VerifyError(covered, f"block {covered} is not covered by any signed checkpoint: "
                                    f"the newest covers {covered} blocks, the ledger holds {size}")


def _parallel_results(path: str, tasks: list[_ChunkTask], chunk_level: int, workers: int
                      ) -> Generator[_ChunkResult]:
    # spawn, not fork: the caller (e.g. the ledger node) may hold threads and locks.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(_scan_chunk_in_worker, path, task, chunk_level) for task in tasks]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def _open(path: str | os.PathLike[str]) -> sqlite3.Connection:
    conn = open_read_only(path)
    conn.text_factory = bytes  # a body rewritten as TEXT must fail the hash check, not crash the reader
    return conn


def _scan_chunk_in_worker(path: str, task: _ChunkTask, chunk_level: int) -> _ChunkResult:
    with closing(_open(path)) as conn:
        conn.execute("BEGIN")
        return _scan_chunk(conn, task, chunk_level)


def _scan_chunk(conn: sqlite3.Connection, task: _ChunkTask, chunk_level: int) -> _ChunkResult:
    """Check the blocks of one chunk and the cached Merkle nodes inside it; stop at the first problem."""
    start, end = task.start, task.end
    result = _ChunkResult()
    cached = {level: iter(conn.execute(
        "SELECT idx, hash FROM merkle_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
        (level, start >> level, end >> level))) for level in range(chunk_level + 1)}
    rows = conn.execute(
        "SELECT idx, hash, CASE WHEN idx BETWEEN ? AND ? THEN body END FROM blocks "
        "WHERE idx >= ? AND idx < ? ORDER BY idx", (task.first, task.last, start, end))
    previous = GENESIS_PREVIOUS_HASH if start == 0 else _stored_hash(conn, start - 1)
    frontier = MerkleFrontier()
    targets = set(task.targets)
    expected = start
    for index, stored_hash, body in rows:
        if index != expected:
            result.failure = (expected, f"block {expected} missing: the next stored block is {index}")
            return result
        if not isinstance(stored_hash, bytes) or len(stored_hash) != HASH_SIZE:
            result.failure = (index, f"block {index}: the stored hash is not a {HASH_SIZE}-byte BLOB")
            return result
        if body is not None:
            problem = _block_problem(index, stored_hash, body, previous)
            if problem is not None:
                result.failure = (index, f"block {index}: {problem}")
                return result
            result.checked += 1
        for level, offset, node in frontier.append(leaf_hash(stored_hash)):
            node_index = (start >> level) + offset
            if next(cached[level], None) != (node_index, node):
                result.failure = (node_index if level == 0 else None, _cache_mismatch(level, node_index))
                return result
        previous = stored_hash
        expected += 1
        if expected in targets:
            result.target_frontiers[expected] = frontier.hashes
    if expected != end:
        result.failure = (expected, f"block {expected} missing: the ledger's last block is {end - 1}")
    result.frontier = frontier.hashes
    return result


def _block_problem(index: int, stored_hash: bytes, body: object, previous: bytes | None) -> str | None:
    """What is wrong with one block body, or None."""
    if not isinstance(body, bytes):
        return "the body is not a BLOB"
    if hashlib.sha256(body).digest() != stored_hash:
        return "stored hash does not match SHA-256 of its body"
    try:
        check_canonical(body)
    except MalformedBlock as exc:
        return f"malformed body: {exc}"
    claimed = int.from_bytes(body[OFFSET_INDEX:OFFSET_INDEX + 8], "big")
    if claimed != index:
        return f"the body claims index {claimed} (rows reordered or duplicated)"
    if previous is not None and body[OFFSET_PREVIOUS_HASH:OFFSET_PREVIOUS_HASH + HASH_SIZE] != previous:
        return f"previous_hash does not match the hash of block {index - 1}"
    return None


def _stored_hash(conn: sqlite3.Connection, index: int) -> bytes | None:
    """Stored hash of the block before a chunk; None if that row is gone (its own chunk reports it)."""
    row = conn.execute("SELECT hash FROM blocks WHERE idx = ?", (index,)).fetchone()
    return None if row is None else row[0]


def _cache_mismatch(level: int, index: int) -> str:
    if level == 0:
        return f"block {index}: the cached Merkle leaf does not match the block (block or cache rewritten)"
    return f"the cached Merkle node (level {level}, index {index}) does not match the blocks it covers"
