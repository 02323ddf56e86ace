"""Kill drill: SIGKILL a ledger writer at random moments and prove no acknowledged block is ever lost.

The writer (``python -m fracturescope_ledger.crash_drill writer DB KEY``) appends generated records and
prints ``<index> <hash hex>`` for each block only after its future resolved, i.e. after COMMIT. Whatever
the drill read from that pipe before the kill was acknowledged and must be in the reopened ledger.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
import hashlib
import os
from pathlib import Path
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from .block import LedgerRecord
from .checkpoint import CheckpointSigner
from .database import open_read_only
from .store import LedgerStore
from .verify import verify_ledger

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent
_LABELS = ("crack", "corrosion", "leak", "none", "anomaly")


@dataclass
class DrillResult:
    """Outcome of run_kill_drill; a sound ledger has zero losses, verify and writer failures."""

    kills: int = 0
    acknowledged: int = 0
    losses: int = 0
    verify_failures: int = 0
    writer_failures: int = 0
    duration_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def kills_per_s(self) -> float:
        return self.kills / self.duration_s if self.duration_s else 0.0


def drill_record(seq: int) -> LedgerRecord:
    """A deterministic, realistic record; ``seq`` varies every field's size and content."""
    images = tuple(hashlib.sha256(f"frame-{seq}-{i}".encode()).digest() for i in range(1 + seq % 3))
    values = tuple((f"metric_{i}", seq * 0.5 + i) for i in range(seq % 4))
    return LedgerRecord(
        record_type="defect" if seq % 2 else "edge",
        source_stamp_ns=1_700_000_000_000_000_000 + seq % 10**9 * 33_000_000,
        location=f"bay-{seq % 7}/camera-{seq % 3}",
        image_sha256=images,
        label=_LABELS[seq % len(_LABELS)],
        confidence=(seq % 101) / 100,
        model_id="fracturescope-drill-1",
        values=values,
    )


def run_writer(db: Path, key: Path, producers: int, seed: int) -> None:
    """Append forever from ``producers`` threads, printing each acknowledged block; ends when killed."""
    store = LedgerStore(db, CheckpointSigner.from_key_file(key), max_batch=64)
    print_lock = threading.Lock()

    def produce(worker: int) -> None:
        seq = seed * 1_000_000 + worker
        while True:
            block = store.append_sync(drill_record(seq))
            with print_lock:
                sys.stdout.write(f"{block.index} {block.hash.hex()}\n")
                sys.stdout.flush()
            seq += producers

    threads = [threading.Thread(target=produce, args=(w,), daemon=True) for w in range(producers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_kill_drill(workdir: str | os.PathLike[str], kills: int, seed: int, *, kills_per_ledger: int = 50,
                   max_delay_s: float = 0.4, producers: int = 4) -> DrillResult:
    """Start, SIGKILL and re-check a writer ``kills`` times; a fresh ledger every ``kills_per_ledger``."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    key = workdir / "drill-key.pem"
    CheckpointSigner.from_key_file(key)
    rng = random.Random(seed)
    result = DrillResult()
    acknowledged: dict[int, bytes] = {}
    lost: set[int] = set()
    started = time.perf_counter()
    for kill in range(kills):
        db = workdir / f"ledger-{kill // kills_per_ledger}.db"
        if kill % kills_per_ledger == 0:
            acknowledged.clear()
            lost.clear()
        delay_s = rng.uniform(0, max_delay_s)
        output, crashed = _run_and_kill(db, key, producers, seed * 100_003 + kill, delay_s)
        result.kills += 1
        if crashed:
            result.writer_failures += 1
            result.problems.append(f"kill {kill}: the writer exited on its own: {crashed}")
        new = _acknowledged(output)
        result.acknowledged += len(new)
        acknowledged.update(new)
        if not acknowledged:
            continue
        missing = _lost_blocks(db, acknowledged) - lost
        if missing:
            lost |= missing
            result.losses += len(missing)
            result.problems.append(f"kill {kill}: acknowledged blocks lost: {sorted(missing)[:10]}")
        report = verify_ledger(db)
        if not report.ok:
            result.verify_failures += 1
            result.problems.append(f"kill {kill}: verify failed: {report.reason}")
    result.duration_s = time.perf_counter() - started
    return result


def _run_and_kill(db: Path, key: Path, producers: int, seed: int, delay_s: float) -> tuple[str, str]:
    """(stdout of a writer SIGKILLed after ``delay_s``, its stderr if it died before the kill)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_PACKAGE_ROOT),
                                                                    os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "fracturescope_ledger.crash_drill", "writer", str(db), str(key),
               "--producers", str(producers), "--seed", str(seed)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as writer:
        try:
            writer.wait(delay_s)
        except subprocess.TimeoutExpired:
            writer.send_signal(signal.SIGKILL)
        output, errors = writer.communicate()
    if writer.returncode == -signal.SIGKILL:
        return output.decode(), ""
    return output.decode(), errors.decode(errors="replace")[-500:] or f"exit status {writer.returncode}"


def _acknowledged(output: str) -> dict[int, bytes]:
    """Parse complete ``index hash`` lines; a line cut by the kill was never acknowledged."""
    acknowledged = {}
    for line in output.splitlines(keepends=True):
        if line.endswith("\n"):
            index, digest = line.split()
            acknowledged[int(index)] = bytes.fromhex(digest)
    return acknowledged


def _lost_blocks(db: Path, acknowledged: dict[int, bytes]) -> set[int]:
    """Acknowledged indices whose block is missing or different in the reopened ledger."""
    try:
        conn = open_read_only(db)
    except (OSError, sqlite3.Error):
        return set(acknowledged)
    try:
        stored = dict(conn.execute("SELECT idx, hash FROM blocks WHERE idx <= ?", (max(acknowledged),)))
    finally:
        conn.close()
    return {index for index, digest in acknowledged.items() if stored.get(index) != digest}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fracturescope_ledger.crash_drill", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    writer = commands.add_parser("writer", help="append until killed, printing acknowledged blocks")
    writer.add_argument("db", type=Path)
    writer.add_argument("key", type=Path)
    writer.add_argument("--producers", type=int, default=4)
    writer.add_argument("--seed", type=int, default=0)
    drill = commands.add_parser("drill", help="run a kill drill and print its result")
    drill.add_argument("workdir", type=Path)
    drill.add_argument("--kills", type=int, default=100)
    drill.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "writer":
        run_writer(args.db, args.key, args.producers, args.seed)
    else:
        result = run_kill_drill(args.workdir, args.kills, args.seed)
        print(result)
        sys.exit(0 if result.losses == result.verify_failures == result.writer_failures == 0 else 1)


if __name__ == "__main__":
    main()
