"""What a reader reports about a damaged bag file: which file, where, and how much of it was still read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BagDamage:
    """A part of `file` that could not be read. `offset` is the byte offset where the damage starts (None where the
    storage has no meaningful offset, sqlite3), `message_index` how many of the file's messages were read before
    it, `problem` what was wrong and what the reader did about it."""

    file: Path
    offset: int | None
    message_index: int
    problem: str

    def __str__(self) -> str:
        where = f'at byte offset {self.offset}, ' if self.offset is not None else ''
        return f'{self.file}: {where}after message {self.message_index} of this file: {self.problem}'
