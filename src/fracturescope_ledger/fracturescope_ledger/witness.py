"""The witness file: every signed checkpoint, appended as one JSON line and fsynced, outside the database.

Someone who rewrites the database can recompute hashes, Merkle nodes and even delete checkpoint rows, but a
checkpoint already written here stays: the store holds the database to the newest one when it opens, and
``fracturescope-ledger verify --checkpoint WITNESS`` bisects the ledger against all of them. Each line is the
JSON of ``fracturescope-ledger checkpoint``. A line cut short (a crash or a full disk during the write) is
skipped by readers, and the next append starts on a fresh line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .checkpoint import Checkpoint

_TAIL_CHUNK = 1 << 16


class CheckpointWitness:
    """Appends checkpoints to one file (O_APPEND, fsync per line); reads back the newest."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)
        self._fd: int | None = None
        self._torn = False

    @property
    def path(self) -> Path:
        return self._path

    def append(self, checkpoint: Checkpoint) -> None:
        """Write one line and fsync it; raises OSError (e.g. ENOSPC), after which the file is still readable."""
        if self._fd is None:
            created = not self._path.exists()
            self._fd = os.open(self._path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            if created:
                _fsync_directory(self._path.parent)  # the new file's name survives a power loss too
            size = os.fstat(self._fd).st_size
            self._torn = size > 0 and os.pread(self._fd, 1, size - 1) != b"\n"  # a crash cut the last line
        data = (b"\n" if self._torn else b"") + json.dumps(checkpoint.to_json()).encode() + b"\n"
        self._torn = True  # until the whole line is on disk: a failure leaves a fragment to end first
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]
        os.fsync(self._fd)
        self._torn = False

    def newest(self) -> Checkpoint | None:
        """The last complete checkpoint line, read backwards from the end: O(1) for a healthy file."""
        try:
            file = self._path.open("rb")
        except FileNotFoundError:
            return None
        with file:
            end = file.seek(0, os.SEEK_END)
            carry = b""
            while end > 0:
                start = max(0, end - _TAIL_CHUNK)
                file.seek(start)
                data = file.read(end - start) + carry
                end = start
                carry, _, complete = data.partition(b"\n") if start > 0 else (b"", b"", data)
                for line in reversed(complete.split(b"\n")):
                    checkpoint = parse_checkpoint_line(line)
                    if checkpoint is not None:
                        return checkpoint
        return None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_checkpoints(path: str | os.PathLike[str]) -> list[Checkpoint]:
    """Checkpoints in a file holding one JSON checkpoint (``checkpoint`` command) or a witness file."""
    text = Path(path).read_bytes()
    try:
        return [Checkpoint.from_json(json.loads(text))]
    except (ValueError, TypeError):
        pass
    checkpoints = [parse_checkpoint_line(line) for line in text.split(b"\n")]
    found = [checkpoint for checkpoint in checkpoints if checkpoint is not None]
    if not found:
        raise ValueError(f"{path} holds no checkpoint")
    return found


def parse_checkpoint_line(line: bytes) -> Checkpoint | None:
    """The checkpoint on one witness line, or None for a blank or cut-short line."""
    try:
        return Checkpoint.from_json(json.loads(line))
    except (ValueError, TypeError):
        return None


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
