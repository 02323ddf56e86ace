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

from fracturescope_common.json_lines import JsonLinesFile, parse_line

from .checkpoint import Checkpoint

_TAIL_CHUNK = 1 << 16


class CheckpointWitness:
    """Appends checkpoints to one file (a JsonLinesFile: fsync per line); reads back the newest."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._file = JsonLinesFile(path)

    @property
    def path(self) -> Path:
        return self._file.path

    def append(self, checkpoint: Checkpoint) -> None:
        """Write one line and fsync it; raises OSError (e.g. ENOSPC), after which the file is still readable."""
        self._file.append(checkpoint.to_json())

    def newest(self) -> Checkpoint | None:
        """The last complete checkpoint line, read backwards from the end: O(1) for a healthy file."""
        try:
            file = self.path.open("rb")
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
        self._file.close()


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
        return Checkpoint.from_json(parse_line(line))
    except (ValueError, TypeError):
        return None
