"""Tamper drill: rewrite a ledger file as an attacker with write access to it can, for the tests and drills that
must catch it (verify, the store's refusal to sign over it, the operator centre's witness).

`rewrite_chain_from` changes one block and re-links every later one (what anyone can do without the key); with
`merkle_too` it also recomputes the Merkle node cache, so only signed roots betray it; `resign` then replaces every
signed checkpoint, in the file and in the witness file beside it, by one over the forged history, signed with the
ledger's own key (an attacker who owns the robot): the store finds nothing wrong and extends the forged history.
Only a witness outside the robot (the operator centre) can tell.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
import sqlite3

from fracturescope_ledger.block import block_hash, decode_block, encode_block
from fracturescope_ledger.checkpoint import Checkpoint, CheckpointSigner
from fracturescope_ledger.merkle import MerkleFrontier, leaf_hash, root_from_leaves
from fracturescope_ledger.witness import CheckpointWitness


def rewrite_chain_from(path: str | os.PathLike[str], index: int, *, merkle_too: bool = False,
                       label: str = 'none') -> None:
    """Give block `index` the label `label` and re-link every later block (see the module docstring)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute('SELECT idx, body FROM blocks WHERE idx >= ? ORDER BY idx', (index,)).fetchall()
        previous = decode_block(rows[0][1]).previous_hash
        for idx, old in rows:
            block = decode_block(old)
            record = block.record if idx != index else dataclasses.replace(block.record, label=label)
            new = encode_block(idx, block.timestamp_ns, record, previous)
            previous = block_hash(new)
            conn.execute('UPDATE blocks SET hash = ?, body = ? WHERE idx = ?', (previous, new, idx))
        if merkle_too:
            frontier = MerkleFrontier()
            hashes = [row[0] for row in conn.execute('SELECT hash FROM blocks ORDER BY idx')]
            nodes = [node for digest in hashes for node in frontier.append(leaf_hash(digest))]
            conn.execute('DELETE FROM merkle_nodes')
            conn.executemany('INSERT INTO merkle_nodes VALUES (?, ?, ?)', nodes)
    conn.close()


def resign(path: str | os.PathLike[str], signer: CheckpointSigner, witness_file: str | os.PathLike[str],
           timestamp_ns: int) -> Checkpoint:
    """Replace every checkpoint of the ledger at `path` and its witness file by one over the whole (forged) chain,
    signed by `signer`; that checkpoint."""
    with sqlite3.connect(path) as conn:
        hashes = [row[0] for row in conn.execute('SELECT hash FROM blocks ORDER BY idx')]
        checkpoint = signer.sign(len(hashes), root_from_leaves(leaf_hash(digest) for digest in hashes), timestamp_ns)
        conn.execute('DELETE FROM checkpoints')
        conn.execute('INSERT INTO checkpoints (tree_size, root, timestamp_ns, public_key, signature, milestone) '
                     'VALUES (?, ?, ?, ?, ?, 1)', (checkpoint.tree_size, checkpoint.root_hash, timestamp_ns,
                                                   checkpoint.public_key, checkpoint.signature))
    conn.close()
    Path(witness_file).unlink(missing_ok=True)
    witness = CheckpointWitness(witness_file)
    witness.append(checkpoint)
    witness.close()
    return checkpoint
