"""An append-only file of JSON objects, one per line, each fsynced before `append` returns.

For records that must outlive a crash outside any database (the ledger's witnessed checkpoints, the nonces of
obeyed operator commands). A line cut short by a crash or a full disk is skipped by readers, and the next append
starts on a fresh line, so one torn write never swallows the record after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import json
import os
from pathlib import Path
from typing import Any


def fsync_directory(path: str | os.PathLike[str]) -> None:
    """Make a created, renamed or replaced name in `path` survive a power loss too."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def parse_line(line: bytes) -> Any:
    """The JSON object of one line, or None for a blank or cut-short one."""
    try:
        return json.loads(line)
    except ValueError:
        return None


class JsonLinesFile:
    """One such file; opened on the first append, O_APPEND."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._torn = False

    def append(self, record: Any) -> None:
        """Write one line and fsync it; raises OSError (e.g. ENOSPC), after which the file is still readable."""
        if self._fd is None:
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            if created:
                fsync_directory(self.path.parent)
            size = os.fstat(self._fd).st_size
            self._torn = size > 0 and os.pread(self._fd, 1, size - 1) != b'\n'  # a crash cut the last line
        data = (b'\n' if self._torn else b'') + json.dumps(record).encode() + b'\n'
        self._torn = True  # until the whole line is on disk: a failure leaves a fragment to end first
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]
        os.fsync(self._fd)
        self._torn = False

    def read(self) -> Iterator[Any]:
        """Every complete record, oldest first (none when the file does not exist)."""
        if not self.path.exists():
            return
        for line in self.path.read_bytes().split(b'\n'):
            record = parse_line(line)
            if record is not None:
                yield record

    def rewrite(self, records: Iterable[Any]) -> None:
        """Replace the whole file by `records`, atomically (compaction)."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f'.{self.path.name}.{os.getpid()}.tmp')
        with open(temporary, 'w') as file:
            file.writelines(json.dumps(record) + '\n' for record in records)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        fsync_directory(self.path.parent)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
