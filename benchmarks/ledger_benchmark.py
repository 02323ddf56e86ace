"""Ledger benchmark: durable append rate, verification time for 1 M blocks, SIGKILL drill.

Run from the repository root:  python benchmarks/ledger_benchmark.py [--quick]
Writes benchmarks/results/ledger.json and prints each figure next to its goal.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src" / "fracturescope_ledger"))

from bench_report import print_figure, save_results
from fracturescope_ledger.checkpoint import CheckpointSigner
from fracturescope_ledger.crash_drill import drill_record, run_kill_drill
from fracturescope_ledger.store import LedgerStore
from fracturescope_ledger.verify import verify_ledger

GOALS = {"durable_appends_per_s": 2000, "verify_1m_s": 10.0, "kill_drill_losses": 0, "kill_drill_kills": 1000}


def group_commit_rate(workdir: Path, signer: CheckpointSigner, appends: int, producers: int) -> dict:
    """Appends/s with ``producers`` threads, counted until the last acknowledgement."""
    with LedgerStore(workdir / "append.db", signer) as store:
        per_thread = appends // producers

        def produce(worker: int) -> None:
            futures = [store.append(drill_record(worker * per_thread + i)) for i in range(per_thread)]
            for future in futures:
                future.result()

        threads = [threading.Thread(target=produce, args=(w,)) for w in range(producers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        total, commits = store.size, store.commit_count
    return {"appends": total, "producers": producers, "seconds": elapsed, "appends_per_s": total / elapsed,
            "commits": commits, "blocks_per_commit": total / commits}


def append_sync_rate(workdir: Path, signer: CheckpointSigner, appends: int) -> dict:
    """One producer waiting for each acknowledgement: one fsynced transaction per block."""
    with LedgerStore(workdir / "sync.db", signer) as store:
        started = time.perf_counter()
        for seq in range(appends):
            store.append_sync(drill_record(seq))
        elapsed = time.perf_counter() - started
    return {"appends": appends, "seconds": elapsed, "appends_per_s": appends / elapsed}


def verify_time(workdir: Path, signer: CheckpointSigner, blocks: int) -> dict:
    """Build a ``blocks``-block ledger in large group commits, then time a full verification."""
    path = workdir / "verify.db"
    started = time.perf_counter()
    with LedgerStore(path, signer, max_batch=8192, milestone_every=65536) as store:
        window = 16384
        for start in range(0, blocks, window):
            futures = [store.append(drill_record(seq)) for seq in range(start, min(blocks, start + window))]
            futures[-1].result()
    build_s = time.perf_counter() - started
    report = verify_ledger(path, trusted_public_key=signer.public_key)
    if not report.ok:
        raise SystemExit(f"verification of the benchmark ledger failed: {report.reason}")
    return {"blocks": report.blocks_checked, "build_s": build_s, "verify_s": report.duration_s,
            "verify_blocks_per_s": report.blocks_checked / report.duration_s,
            "file_mb": path.stat().st_size / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts for a smoke run")
    parser.add_argument("--appends", type=int, help="group-commit appends (default 50000)")
    parser.add_argument("--producers", type=int, default=8)
    parser.add_argument("--sync-appends", type=int, help="append_sync appends (default 2000)")
    parser.add_argument("--verify-blocks", type=int, help="ledger size to verify (default 1000000)")
    parser.add_argument("--kills", type=int, help="kill drill kills (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    quick = args.quick
    appends = args.appends or (5_000 if quick else 50_000)
    sync_appends = args.sync_appends or (300 if quick else 2_000)
    verify_blocks = args.verify_blocks or (100_000 if quick else 1_000_000)
    kills = args.kills or (30 if quick else 1_000)

    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="ledger-bench-", dir="/tmp") as tmp:
        workdir = Path(tmp)
        signer = CheckpointSigner.from_key_file(workdir / "bench.pem")
        figures["group_commit"] = group_commit_rate(workdir, signer, appends, args.producers)
        print_figure(f"durable appends/s (group commit, {args.producers} producers)",
                     figures["group_commit"]["appends_per_s"], f">= {GOALS['durable_appends_per_s']}",
                     figures["group_commit"]["appends_per_s"] >= GOALS["durable_appends_per_s"])
        figures["append_sync"] = append_sync_rate(workdir, signer, sync_appends)
        print_figure("durable appends/s (1 producer, append_sync)", figures["append_sync"]["appends_per_s"],
                     "(contrast)", None)
        figures["verify"] = verify_time(workdir, signer, verify_blocks)
        print_figure(f"build {verify_blocks:,} blocks (s)", figures["verify"]["build_s"], "(reported)", None)
        print_figure(f"verify {verify_blocks:,} blocks (s)", figures["verify"]["verify_s"],
                     f"<= {GOALS['verify_1m_s']} for 1 M", figures["verify"]["verify_s"] <= GOALS["verify_1m_s"])
        drill = run_kill_drill(workdir / "drill", kills, args.seed)
        figures["kill_drill"] = {"kills": drill.kills, "acknowledged": drill.acknowledged,
                                 "losses": drill.losses, "verify_failures": drill.verify_failures,
                                 "writer_failures": drill.writer_failures, "seconds": drill.duration_s,
                                 "kills_per_s": drill.kills_per_s, "problems": drill.problems[:20]}
        print_figure(f"kill drill: losses in {drill.kills} kills ({drill.acknowledged:,} acks, "
                     f"{drill.kills_per_s:.1f} kills/s)", drill.losses, f"0 in >= {GOALS['kill_drill_kills']}",
                     drill.losses == drill.verify_failures == 0 and drill.kills >= GOALS["kill_drill_kills"])
        print_figure("kill drill: verify failures", drill.verify_failures, "0", drill.verify_failures == 0)

    # A smoke run must not overwrite the figures of a full run.
    save_results("ledger-quick" if quick else "ledger", figures, GOALS, quick=quick)


if __name__ == "__main__":
    main()
