"""The nonces of obeyed operator commands, kept on disk while a command carrying them could still be fresh, so that
a command captured on the network and replayed after the receiver restarts is refused as a replay.

One JSON object per line ({"expires_ns", "issuer", "nonce"}), appended and fsynced before the command is obeyed: a
line torn by a crash belongs to a command that was not obeyed. Loading drops expired and torn lines and rewrites the
file atomically, so it never holds more than one freshness window of commands.
"""

from __future__ import annotations

from dataclasses import dataclass
import os

from fracturescope_common.json_lines import JsonLinesFile


@dataclass(frozen=True, order=True)
class UsedNonce:
    expires_ns: int
    issuer: str
    nonce: int


class UsedNonceFile:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._file = JsonLinesFile(path)
        self.path = self._file.path

    def load(self, now_ns: int) -> list[UsedNonce]:
        """The nonces still fresh at `now_ns`; the file is compacted to them."""
        kept = [n for n in self._read() if n.expires_ns >= now_ns]
        self._file.rewrite(_fields(n) for n in kept)
        return kept

    def record(self, used: UsedNonce) -> None:
        """Append `used` durably; raises OSError when it cannot (the caller then refuses the command)."""
        self._file.append(_fields(used))

    def _read(self) -> list[UsedNonce]:
        entries = []
        for fields in self._file.read():
            try:
                entries.append(UsedNonce(int(fields['expires_ns']), str(fields['issuer']), int(fields['nonce'])))
            except (KeyError, TypeError, ValueError):
                continue  # not a nonce record
        return entries


def _fields(used: UsedNonce) -> dict[str, object]:
    return {'expires_ns': used.expires_ns, 'issuer': used.issuer, 'nonce': used.nonce}
