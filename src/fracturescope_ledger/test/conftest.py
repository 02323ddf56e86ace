"""Shared fixtures: a signing key, generated records and small ledgers on disk."""

import dataclasses
from pathlib import Path
import sqlite3
import sys

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PACKAGE_ROOT))

from fracturescope_ledger.block import block_hash, decode_block, encode_block  # noqa: E402
from fracturescope_ledger.checkpoint import CheckpointSigner  # noqa: E402
from fracturescope_ledger.crash_drill import drill_record  # noqa: E402
from fracturescope_ledger.merkle import MerkleFrontier, leaf_hash  # noqa: E402
from fracturescope_ledger.store import LedgerStore  # noqa: E402


@pytest.fixture(scope="session")
def signer(tmp_path_factory):
    return CheckpointSigner.from_key_file(tmp_path_factory.mktemp("keys") / "ledger.pem")


@pytest.fixture(scope="session")
def other_signer(tmp_path_factory):
    return CheckpointSigner.from_key_file(tmp_path_factory.mktemp("keys") / "intruder.pem")


@pytest.fixture(scope="session")
def build_ledger():
    return _build_ledger


def _build_ledger(path, signer, count, *, batch=16, milestone_every=64):
    """A ledger of ``count`` generated blocks committed in batches of ``batch``."""
    with LedgerStore(path, signer, milestone_every=milestone_every) as store:
        for start in range(0, count, batch):
            futures = [store.append(drill_record(seq)) for seq in range(start, min(count, start + batch))]
            for future in futures:
                future.result()
    return path


@pytest.fixture(scope="session")
def rewrite_chain_from():
    return _rewrite_chain_from


def _rewrite_chain_from(path, index, *, merkle_too=False):
    """Change block ``index`` and re-link every later block, as an attacker without the key can; with
    ``merkle_too`` also recompute the Merkle node cache (a consistent rewrite: only signed roots betray it)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT idx, body FROM blocks WHERE idx >= ? ORDER BY idx", (index,)).fetchall()
        previous = decode_block(rows[0][1]).previous_hash
        for idx, old in rows:
            block = decode_block(old)
            record = block.record if idx != index else dataclasses.replace(block.record, label="none")
            new = encode_block(idx, block.timestamp_ns, record, previous)
            previous = block_hash(new)
            conn.execute("UPDATE blocks SET hash = ?, body = ? WHERE idx = ?", (previous, new, idx))
        if merkle_too:
            frontier = MerkleFrontier()
            hashes = [row[0] for row in conn.execute("SELECT hash FROM blocks ORDER BY idx")]
            nodes = [node for digest in hashes for node in frontier.append(leaf_hash(digest))]
            conn.execute("DELETE FROM merkle_nodes")
            conn.executemany("INSERT INTO merkle_nodes VALUES (?, ?, ?)", nodes)


@pytest.fixture
def record():
    return drill_record(7)
