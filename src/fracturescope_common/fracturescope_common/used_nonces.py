"""The nonces of obeyed operator commands, kept on disk while a command carrying them could still be fresh, so that
a command captured on the network and replayed after the receiver restarts is refused as a replay.

One JSON object per line ({"expires_ns", "issuer", "nonce"}), appended and fsynced before the command is obeyed: a
line torn by a crash belongs to a command that was not obeyed. Loading drops expired and torn lines and rewrites the
file atomically, so it never holds more than one freshness window of commands.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import os
from pathlib import Path


@dataclass(frozen=True, order=True)
class UsedNonce:
    expires_ns: int
    issuer: str
    nonce: int


class UsedNonceFile:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self, now_ns: int) -> list[UsedNonce]:
        """The nonces still fresh at `now_ns`; the file is compacted to them."""
        kept = [n for n in self._read() if n.expires_ns >= now_ns]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f'.{self.path.name}.{os.getpid()}.tmp')
        with open(temporary, 'w') as file:
            file.writelines(_line(n) for n in kept)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        return kept

    def record(self, used: UsedNonce) -> None:
        """Append `used` durably; raises OSError when it cannot (the caller then refuses the command)."""
        with open(self.path, 'a') as file:
            file.write(_line(used))
            file.flush()
            os.fsync(file.fileno())

    def _read(self) -> list[UsedNonce]:
        if not self.path.exists():
            return []
        entries = []
        for text in self.path.read_text(errors='replace').splitlines():
            try:
                fields = json.loads(text)
                entries.append(UsedNonce(int(fields['expires_ns']), str(fields['issuer']), int(fields['nonce'])))
            except (ValueError, KeyError, TypeError):
                continue  # torn by a crash mid-write: that command was not obeyed
        return entries


def _line(used: UsedNonce) -> str:
    return json.dumps({'expires_ns': used.expires_ns, 'issuer': used.issuer, 'nonce': used.nonce}) + '\n'
