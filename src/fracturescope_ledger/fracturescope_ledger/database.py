"""SQLite connections to a ledger file: read-only ones for readers and verifiers; the writer's own and the free
space check are fracturescope_common.durable_sqlite's."""

from __future__ import annotations

import os
from pathlib import Path
import sqlite3


def open_read_only(path: str | os.PathLike[str], busy_timeout_s: float = 5.0) -> sqlite3.Connection:
    """A connection that cannot modify the ledger file (autocommit; use BEGIN for a snapshot)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no ledger at {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    return conn
