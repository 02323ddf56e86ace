"""``fracturescope-ledger``: verify, inspect, export and prove a ledger file.

Exit codes: 0 ok, 1 verification failed, 2 usage or file error, 3 a proof failed its own check.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
import json
from pathlib import Path
import sqlite3
import sys
from typing import TextIO

from fracturescope_common.keys import load_public_key

from .block import Block, MalformedBlock
from .checkpoint import Checkpoint
from .merkle import leaf_hash, verify_consistency, verify_inclusion
from .store import LedgerStore
from .verify import verify_ledger
from .witness import read_checkpoints

EXIT_OK = 0
EXIT_VERIFY_FAILED = 1
EXIT_USAGE = 2
EXIT_PROOF_FAILED = 3


class UsageError(Exception):
    """A bad argument or unreadable file: exit status 2."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        status = args.run(args)
    except (UsageError, OSError, ValueError, IndexError, LookupError, sqlite3.Error, MalformedBlock) as exc:
        print(f"fracturescope-ledger: {exc}", file=sys.stderr)
        status = EXIT_USAGE
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fracturescope-ledger", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    verify = commands.add_parser("verify", help="recompute and check the whole ledger (or a range)")
    verify.add_argument("db", type=Path)
    verify.add_argument("--from", dest="first", type=int, default=0, metavar="N")
    verify.add_argument("--to", dest="last", type=int, metavar="N", help="last index checked (inclusive)")
    verify.add_argument("--public-key", type=Path, metavar="FILE", help="trusted key (.pub hex or PEM)")
    verify.add_argument("--checkpoint", type=Path, metavar="FILE",
                        help="checkpoints published earlier: the output of the checkpoint command, or the "
                             "node's witness file (JSON lines); names the first rewritten block")
    verify.set_defaults(run=_verify)

    show = commands.add_parser("show", help="print blocks for humans")
    show.add_argument("db", type=Path)
    which = show.add_mutually_exclusive_group()
    which.add_argument("index", type=int, nargs="?")
    which.add_argument("--last", type=int, metavar="N", help="the newest N blocks (default 10)")
    show.set_defaults(run=_show)

    export = commands.add_parser("export", help="JSON lines, one block per line, canonical body in hex")
    export.add_argument("db", type=Path)
    export.add_argument("--from", dest="first", type=int, default=0, metavar="N")
    export.add_argument("--to", dest="last", type=int, metavar="N", help="last index exported (inclusive)")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: standard output")
    export.set_defaults(run=_export)

    prove = commands.add_parser("prove", help="Merkle inclusion and consistency proofs as JSON")
    proofs = prove.add_subparsers(required=True, metavar="KIND")
    inclusion = proofs.add_parser("inclusion", help="block INDEX is in the tree of --tree-size blocks")
    inclusion.add_argument("db", type=Path)
    inclusion.add_argument("index", type=int)
    inclusion.add_argument("--tree-size", type=int, metavar="N", help="default: the latest checkpoint's")
    inclusion.set_defaults(run=_prove_inclusion)
    consistency = proofs.add_parser("consistency", help="the tree of FIRST blocks is a prefix of SECOND")
    consistency.add_argument("db", type=Path)
    consistency.add_argument("first", type=int)
    consistency.add_argument("second", type=int)
    consistency.set_defaults(run=_prove_consistency)

    checkpoint = commands.add_parser("checkpoint", help="the latest signed checkpoint as JSON")
    checkpoint.add_argument("db", type=Path)
    checkpoint.set_defaults(run=_checkpoint)
    return parser


def _verify(args: argparse.Namespace) -> int:
    _require_file(args.db)
    trusted_key = None if args.public_key is None else load_public_key(args.public_key)
    trusted_checkpoints = [] if args.checkpoint is None else read_checkpoints(args.checkpoint)
    report = verify_ledger(args.db, args.first, args.last, trusted_public_key=trusted_key,
                           trusted_checkpoints=trusted_checkpoints)
    if not report.ok:
        where = "" if report.first_bad_index is None else f" (first bad block: {report.first_bad_index})"
        print(f"FAILED{where}: {report.reason}")
        return EXIT_VERIFY_FAILED
    print(f"OK: {report.reason} [{report.duration_s:.2f} s]")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    with _open(args.db) as store:
        if args.index is not None:
            blocks: Iterator[Block] = iter([store.get_block(args.index)])
        else:
            blocks = store.iter_blocks(max(0, store.size - (10 if args.last is None else args.last)))
        for block in blocks:
            print(_describe(block))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    with _open(args.db) as store, _output(args.output) as out:
        end = store.size if args.last is None else args.last + 1
        for block in store.iter_blocks(args.first, end):
            out.write(json.dumps(_block_json(block)) + "\n")
    return EXIT_OK


def _prove_inclusion(args: argparse.Namespace) -> int:
    with _open(args.db) as store:
        tree_size = _signed_size(store) if args.tree_size is None else args.tree_size
        block = store.get_block(args.index)
        proof, root = store.inclusion_proof(args.index, tree_size)
        checkpoint = store.checkpoint_at(tree_size)
    leaf = leaf_hash(block.hash)
    ok = verify_inclusion(leaf, args.index, tree_size, proof, root)
    return _print_proof(ok, checkpoint, root, {
        "type": "inclusion", "index": args.index, "tree_size": tree_size, "block_hash": block.hash.hex(),
        "leaf_hash": leaf.hex(), "root_hash": root.hex(), "audit_path": [node.hex() for node in proof]})


def _prove_consistency(args: argparse.Namespace) -> int:
    with _open(args.db) as store:
        proof, first_root, second_root = store.consistency_proof(args.first, args.second)
        checkpoint = store.checkpoint_at(args.second)
    ok = verify_consistency(args.first, args.second, first_root, second_root, proof)
    return _print_proof(ok, checkpoint, second_root, {
        "type": "consistency", "first": args.first, "second": args.second, "first_root": first_root.hex(),
        "second_root": second_root.hex(), "proof": [node.hex() for node in proof]})


def _print_proof(ok: bool, checkpoint: Checkpoint | None, root: bytes, document: dict[str, object]) -> int:
    """Print a proof only if it verifies, and if a checkpoint is stored at its size, signs its root."""
    if checkpoint is not None:
        document["checkpoint"] = checkpoint.to_json()
        if not (checkpoint.verify() and checkpoint.root_hash == root):
            print("proof failed: the stored checkpoint does not sign this root", file=sys.stderr)
            return EXIT_PROOF_FAILED
    if not ok:
        print("proof failed its own verification (RFC 9162 §2.1.3.2 / §2.1.4.2)", file=sys.stderr)
        return EXIT_PROOF_FAILED
    print(json.dumps(document, indent=2))
    return EXIT_OK


def _checkpoint(args: argparse.Namespace) -> int:
    with _open(args.db) as store:
        checkpoint = store.latest_checkpoint()
    if checkpoint is None:
        print("the ledger has no checkpoint yet", file=sys.stderr)
        return EXIT_VERIFY_FAILED
    print(json.dumps(checkpoint.to_json(), indent=2))
    return EXIT_OK


def _signed_size(store: LedgerStore) -> int:
    checkpoint = store.latest_checkpoint()
    if checkpoint is None:
        raise UsageError("the ledger has no checkpoint; give --tree-size")
    return checkpoint.tree_size


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise UsageError(f"no ledger file at {path}")


@contextmanager
def _open(path: Path) -> Iterator[LedgerStore]:
    _require_file(path)
    with LedgerStore(path, None) as store:
        yield store


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
    else:
        with path.open("w") as file:
            yield file


def _block_json(block: Block) -> dict[str, object]:
    record = block.record
    return {
        "index": block.index,
        "timestamp_ns": block.timestamp_ns,
        "hash": block.hash.hex(),
        "previous_hash": block.previous_hash.hex(),
        "record": {
            "record_type": record.record_type,
            "source_stamp_ns": record.source_stamp_ns,
            "location": record.location,
            "image_sha256": [digest.hex() for digest in record.image_sha256],
            "label": record.label,
            "confidence": record.confidence,
            "model_id": record.model_id,
            "values": dict(record.values),
        },
        "canonical": block.canonical.hex(),
    }


def _describe(block: Block) -> str:
    record = block.record
    values = ", ".join(f"{name}={value:g}" for name, value in record.values) or "-"
    return "\n".join([
        f"block {block.index}  {_utc(block.timestamp_ns)}",
        f"  hash        {block.hash.hex()}",
        f"  previous    {block.previous_hash.hex()}",
        f"  record      {record.record_type}: {record.label} ({record.confidence:.3f}) by {record.model_id}",
        f"  location    {record.location or '-'}",
        f"  source      {_utc(record.source_stamp_ns)}",
        *(f"  image       {digest.hex()}" for digest in record.image_sha256),
        f"  values      {values}",
    ])


def _utc(stamp_ns: int) -> str:
    seconds, nanos = divmod(stamp_ns, 1_000_000_000)
    try:
        moment = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return f"{stamp_ns} ns"
    return f"{moment}.{nanos:09d}Z"


if __name__ == "__main__":
    sys.exit(main())
