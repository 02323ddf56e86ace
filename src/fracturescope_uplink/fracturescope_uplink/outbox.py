"""The durable outbox: an alert is on disk (SQLite, WAL, synchronous=FULL) before the uplink takes it, and leaves only
when the broker acknowledged it.

Order is kept per kind (rows are sent in `seq` order within a kind; a row that is not ready yet holds back the later
ones of its kind). A full outbox never drops silently: first the thumbnails of queued alerts go (oldest first), then
the oldest alert of the lowest priority below or equal to the newcomer's; a newcomer of lower priority than everything
queued is refused. Every drop is counted per kind, in the file (so the counts survive a restart)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
import sqlite3
import threading

from fracturescope_common.durable_sqlite import open_writable

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    ready_ns INTEGER NOT NULL,
    body BLOB NOT NULL,
    thumbnail BLOB
);
CREATE INDEX IF NOT EXISTS alerts_by_kind ON alerts(kind, seq);
CREATE TABLE IF NOT EXISTS drops (
    kind TEXT NOT NULL,
    what TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (kind, what)
);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
ALERT_DROPPED, THUMBNAIL_DROPPED, REFUSED_FULL = 'alert', 'thumbnail', 'refused_full'


class OutboxError(RuntimeError):
    """The outbox file cannot be written (disk full, read-only, corrupt): the alert was NOT taken."""


@dataclass(frozen=True)
class QueuedAlert:
    seq: int
    alert_id: str
    kind: str
    priority: int
    ready_ns: int
    body: bytes
    thumbnail: bytes | None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.thumbnail or b'')


@dataclass
class AddResult:
    """What adding one alert did: taken or refused, and what it pushed out."""

    accepted: bool
    seq: int | None = None
    duplicate: bool = False   # an alert of this id is queued already: nothing was done
    dropped_alerts: list[tuple[str, str]] = field(default_factory=list)   # (kind, alert_id) evicted
    dropped_thumbnails: int = 0

    @property
    def full(self) -> str | None:
        """What a full outbox did to make room (None: nothing was refused or pushed out)."""
        if self.duplicate or (self.accepted and not self.dropped_alerts):
            return None
        return 'refused' if not self.accepted else f'pushed out {len(self.dropped_alerts)} older'


@dataclass(frozen=True)
class OutboxStats:
    queued: int
    queued_bytes: int
    queued_by_kind: dict[str, int]
    drops: dict[tuple[str, str], int]   # (kind, ALERT_DROPPED | THUMBNAIL_DROPPED | REFUSED_FULL) -> count


class Outbox:
    """One SQLite file; safe to call from the ROS thread and the MQTT thread (one lock)."""

    def __init__(self, path: Path, max_alerts: int, max_bytes: int, busy_timeout_s: float = 5.0) -> None:
        if max_alerts < 1 or max_bytes < 1:
            raise ValueError('the outbox needs room for at least one alert')
        self.path = Path(path)
        self.max_alerts, self.max_bytes = max_alerts, max_bytes
        self._lock = threading.Lock()
        try:
            self._db = open_writable(self.path, busy_timeout_s)
            self._db.executescript(SCHEMA)
        except sqlite3.Error as error:
            raise OutboxError(f'cannot open the outbox {self.path}: {error}') from error
        self._count, self._bytes = self._db.execute(
            'SELECT COUNT(*), COALESCE(SUM(LENGTH(body) + COALESCE(LENGTH(thumbnail), 0)), 0) FROM alerts').fetchone()

    @property
    def queued(self) -> int:
        """Alerts in the outbox (kept in memory: the sender asks at every pump)."""
        return self._count

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def state(self, key: str) -> str | None:
        """A value the uplink keeps across restarts beside its alerts (the last checkpoint it sent)."""
        with self._lock:
            row = self._db.execute('SELECT value FROM state WHERE key = ?', (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET '
                             'value = excluded.value', (key, value))

    def add(self, alert_id: str, kind: str, priority: int, body: bytes, thumbnail: bytes | None,
            ready_ns: int) -> AddResult:
        """Store one alert durably (returns once it is on disk); see the module docstring for a full outbox."""
        size = len(body) + len(thumbnail or b'')
        with self._lock:
            try:
                self._db.execute('BEGIN IMMEDIATE')
                if self._db.execute('SELECT 1 FROM alerts WHERE alert_id = ?', (alert_id,)).fetchone():
                    self._db.execute('COMMIT')
                    return AddResult(accepted=False, duplicate=True)
                result = self._make_room(kind, priority, size)
                if result.accepted:
                    result.seq = self._db.execute(
                        'INSERT INTO alerts (alert_id, kind, priority, ready_ns, body, thumbnail) '
                        'VALUES (?, ?, ?, ?, ?, ?)', (alert_id, kind, priority, ready_ns, body, thumbnail)).lastrowid
                    self._count += 1
                    self._bytes += size
                else:
                    self._count_drop(kind, REFUSED_FULL, 1)
                self._db.execute('COMMIT')
            except sqlite3.Error as error:   # disk full, read-only file
                self._rollback()
                raise OutboxError(f'alert {alert_id} not stored in {self.path}: {error}') from error
            return result

    def _make_room(self, kind: str, priority: int, size: int) -> AddResult:
        """Plan what must go for `size` more bytes and one more alert; apply it only if the newcomer then fits."""
        excess_bytes = self._bytes + size - self.max_bytes
        excess_count = self._count + 1 - self.max_alerts
        if size > self.max_bytes:
            return AddResult(accepted=False)
        thumbnails: dict[int, tuple[str, int]] = {}   # seq -> (kind, bytes), oldest first
        if excess_bytes > 0:
            for seq, row_kind, n in self._db.execute('SELECT seq, kind, LENGTH(thumbnail) FROM alerts '
                                                     'WHERE thumbnail IS NOT NULL ORDER BY seq'):
                if excess_bytes <= 0:
                    break
                thumbnails[seq] = (row_kind, n)
                excess_bytes -= n
        victims: list[tuple[int, str, str, int]] = []
        if excess_bytes > 0 or excess_count > 0:
            for seq, row_kind, alert_id, body, thumbnail in self._db.execute(
                    'SELECT seq, kind, alert_id, LENGTH(body), COALESCE(LENGTH(thumbnail), 0) FROM alerts '
                    'WHERE priority <= ? ORDER BY priority, seq', (priority,)):
                if excess_bytes <= 0 and excess_count <= 0:
                    break
                excess_bytes -= body + (0 if seq in thumbnails else thumbnail)
                excess_count -= 1
                victims.append((seq, row_kind, alert_id, body + thumbnail))
            if excess_bytes > 0 or excess_count > 0:
                return AddResult(accepted=False)
        result = AddResult(accepted=True)
        for seq, (row_kind, n) in thumbnails.items():
            if seq not in {v[0] for v in victims}:
                self._db.execute('UPDATE alerts SET thumbnail = NULL WHERE seq = ?', (seq,))
                self._bytes -= n
                self._count_drop(row_kind, THUMBNAIL_DROPPED, 1)
                result.dropped_thumbnails += 1
        for seq, row_kind, alert_id, n in victims:
            self._db.execute('DELETE FROM alerts WHERE seq = ?', (seq,))
            self._count -= 1
            self._bytes -= n
            self._count_drop(row_kind, ALERT_DROPPED, 1)
            result.dropped_alerts.append((row_kind, alert_id))
        return result

    def _count_drop(self, kind: str, what: str, n: int) -> None:
        self._db.execute('INSERT INTO drops (kind, what, count) VALUES (?, ?, ?) '
                         'ON CONFLICT(kind, what) DO UPDATE SET count = count + excluded.count', (kind, what, n))

    def _rollback(self) -> None:
        try:
            self._db.execute('ROLLBACK')
        except sqlite3.Error:
            pass   # no transaction left open
        self._count, self._bytes = self._db.execute(
            'SELECT COUNT(*), COALESCE(SUM(LENGTH(body) + COALESCE(LENGTH(thumbnail), 0)), 0) FROM alerts').fetchone()

    def update(self, seq: int, body: bytes | None = None, ready_ns: int | None = None) -> bool:
        """Replace a queued alert's body (e.g. once its ledger block is known) and/or when it may go; False if
        it is gone (sent and acknowledged already)."""
        with self._lock:
            try:
                old = self._db.execute('SELECT body, ready_ns FROM alerts WHERE seq = ?', (seq,)).fetchone()
                if old is None:
                    return False
                body = old[0] if body is None else body
                self._db.execute('UPDATE alerts SET body = ?, ready_ns = ? WHERE seq = ?',
                                 (body, old[1] if ready_ns is None else ready_ns, seq))
                self._bytes += len(body) - len(old[0])
                return True
            except sqlite3.Error as error:
                raise OutboxError(f'alert {seq} not updated in {self.path}: {error}') from error

    def set_thumbnail(self, seq: int, thumbnail: bytes) -> bool:
        """Give a queued alert its thumbnail (the image comes after the detection); False if gone or no room."""
        with self._lock:
            try:
                row = self._db.execute('SELECT COALESCE(LENGTH(thumbnail), 0) FROM alerts WHERE seq = ?',
                                       (seq,)).fetchone()
                if row is None or self._bytes - row[0] + len(thumbnail) > self.max_bytes:
                    return False
                self._db.execute('UPDATE alerts SET thumbnail = ? WHERE seq = ?', (thumbnail, seq))
                self._bytes += len(thumbnail) - row[0]
                return True
            except sqlite3.Error as error:
                raise OutboxError(f'thumbnail of alert {seq} not stored in {self.path}: {error}') from error

    def next_to_send(self, now_ns: int, in_flight: Iterable[int], limit: int) -> list[QueuedAlert]:
        """Up to `limit` alerts to publish now: per kind, the rows after those in flight, in order, stopping at the
        first that is not ready; kinds of higher priority first."""
        in_flight = set(in_flight)
        chosen: list[QueuedAlert] = []
        with self._lock:
            kinds = [k for (k,) in self._db.execute('SELECT DISTINCT kind FROM alerts')]
            for kind in kinds:
                rows = self._db.execute('SELECT seq, alert_id, kind, priority, ready_ns, body, thumbnail FROM alerts '
                                        'WHERE kind = ? ORDER BY seq LIMIT ?', (kind, limit + len(in_flight)))
                for row in rows:
                    alert = QueuedAlert(*row)
                    if alert.seq in in_flight:
                        continue
                    if alert.ready_ns > now_ns:
                        break
                    chosen.append(alert)
        chosen.sort(key=lambda a: (-a.priority, a.seq))
        return chosen[:limit]

    def acknowledged(self, seq: int) -> None:
        """The broker has it: remove it for good."""
        with self._lock:
            try:
                size = self._db.execute('DELETE FROM alerts WHERE seq = ? RETURNING '
                                        'LENGTH(body) + COALESCE(LENGTH(thumbnail), 0)', (seq,)).fetchone()
            except sqlite3.Error as error:
                raise OutboxError(f'acknowledged alert {seq} not removed from {self.path}: {error}') from error
            if size is not None:
                self._count -= 1
                self._bytes -= size[0]

    def stats(self) -> OutboxStats:
        with self._lock:
            by_kind = dict(self._db.execute('SELECT kind, COUNT(*) FROM alerts GROUP BY kind'))
            drops = {(kind, what): count for kind, what, count in self._db.execute('SELECT * FROM drops')}
            return OutboxStats(self._count, self._bytes, by_kind, drops)
