"""SQLite files that keep what COMMIT returned through a crash or power loss (the ledger, the uplink's outbox)."""

from __future__ import annotations

import os
from pathlib import Path
import sqlite3

# The WAL is checkpointed into the database every 256 pages (1 MiB at 4 KiB pages, SQLite's default is 4 MiB) and
# truncated back to at most 1 MiB when it restarts, so it needs little headroom on a nearly full disk.
WAL_AUTOCHECKPOINT_PAGES = 256
JOURNAL_SIZE_LIMIT_BYTES = 1 << 20


def open_writable(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """A connection in WAL mode with synchronous=FULL: the WAL is fsynced at every COMMIT (autocommit: use BEGIN)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT_BYTES}")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    return conn


def free_bytes(folder: Path) -> int:
    """Bytes an unprivileged writer may still use on the file system holding ``folder`` (statvfs f_bavail)."""
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize
