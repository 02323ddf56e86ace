"""What the operator centre keeps about its fleet: every robot's alerts (each once, by alert id), its latest status,
what its ledger witness last accepted, and every command an operator sent. One interface, two databases: SQLite
(a file, the default) and PostgreSQL (by URL, for a centre serving many robots or several centre processes).

The statements are shared: both speak `INSERT ... ON CONFLICT` and `RETURNING`; only the table definitions and the
placeholder style differ. Times are integer nanoseconds since the epoch (the centre's clock), JSON is stored as text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
import json
from pathlib import Path
import sqlite3
import threading
from typing import Any

TABLES = {
    'alerts': """(
        seq {serial} PRIMARY KEY,
        alert_id TEXT NOT NULL UNIQUE,
        robot_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        stamp_ns BIGINT NOT NULL,
        label TEXT NOT NULL,
        received_ns BIGINT NOT NULL,
        body TEXT NOT NULL)""",
    'robots': """(
        robot_id TEXT PRIMARY KEY,
        last_seen_ns BIGINT NOT NULL,
        status TEXT,
        witness_state TEXT NOT NULL DEFAULT 'unwitnessed',
        witness_detail TEXT NOT NULL DEFAULT '',
        witnessed_size BIGINT NOT NULL DEFAULT 0,
        witnessed_root TEXT NOT NULL DEFAULT '')""",
    'commands': """(
        seq {serial} PRIMARY KEY,
        robot_id TEXT NOT NULL,
        operator TEXT NOT NULL,
        command TEXT NOT NULL,
        nonce TEXT NOT NULL,
        sent_ns BIGINT NOT NULL,
        ack TEXT)""",
    'telemetry': """(
        seq {serial} PRIMARY KEY,
        robot_id TEXT NOT NULL,
        stamp_ns BIGINT NOT NULL,
        received_ns BIGINT NOT NULL,
        body TEXT NOT NULL)""",
}
INDEXES = ('CREATE INDEX IF NOT EXISTS alerts_by_robot ON alerts (robot_id, seq)',
           'CREATE INDEX IF NOT EXISTS commands_by_nonce ON commands (robot_id, nonce)',
           'CREATE INDEX IF NOT EXISTS telemetry_by_robot ON telemetry (robot_id, seq)',
           'CREATE INDEX IF NOT EXISTS telemetry_by_time ON telemetry (received_ns)')


@dataclass(frozen=True)
class StoredAlert:
    seq: int               # order of arrival at the centre
    received_ns: int
    alert: dict[str, Any]


@dataclass(frozen=True)
class StoredTelemetry:
    seq: int
    received_ns: int
    telemetry: dict[str, Any]


@dataclass(frozen=True)
class RobotRecord:
    robot_id: str
    last_seen_ns: int
    status: dict[str, Any] | None
    witness_state: str     # unwitnessed | ok | gap | rewritten | bad_signature | wrong_key (ledger_witness.py)
    witness_detail: str
    witnessed_size: int
    witnessed_root: str


@dataclass(frozen=True)
class CommandRecord:
    seq: int
    robot_id: str
    operator: str
    command: str
    nonce: str
    sent_ns: int
    ack: dict[str, Any] | None


class FleetStore:
    """The shared statements over a DB-API connection; subclasses open it and say how placeholders look."""

    placeholder = '%s'
    serial = 'BIGSERIAL'

    def __init__(self, connection: Any) -> None:
        self._db = connection
        self._lock = threading.Lock()   # one connection, used by the MQTT thread and the web server
        with self._transaction() as cursor:
            for table, columns in TABLES.items():
                cursor.execute(f'CREATE TABLE IF NOT EXISTS {table} {columns.format(serial=self.serial)}')
            for index in INDEXES:
                cursor.execute(index)

    def add_alert(self, alert: dict[str, Any], received_ns: int) -> bool:
        """Store a decoded alert; False for an alert id stored before (a duplicate delivery)."""
        with self._transaction() as cursor:
            cursor.execute(self._sql('INSERT INTO alerts (alert_id, robot_id, kind, stamp_ns, label, received_ns, '
                                     'body) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (alert_id) DO NOTHING '
                                     'RETURNING seq'),
                           (alert['alert_id'], alert['robot_id'], alert['kind'], alert['stamp_ns'], alert['label'],
                            received_ns, json.dumps(alert, separators=(',', ':'))))
            added = cursor.fetchone() is not None
            self._seen(cursor, alert['robot_id'], received_ns)
        return added

    def alerts(self, after_seq: int = 0, robot_id: str | None = None, kind: str | None = None,
               limit: int = 100) -> list[StoredAlert]:
        """Alerts that arrived after `after_seq`, oldest first (a dashboard polls with the last seq it has)."""
        where, args = ['seq > %s'], [after_seq]
        if robot_id is not None:
            where.append('robot_id = %s')
            args.append(robot_id)
        if kind is not None:
            where.append('kind = %s')
            args.append(kind)
        rows = self._query(f'SELECT seq, received_ns, body FROM alerts WHERE {" AND ".join(where)} '
                           'ORDER BY seq LIMIT %s', (*args, limit))
        return [StoredAlert(seq, received, json.loads(body)) for seq, received, body in rows]

    def latest_alerts(self, limit: int = 100, kind: str | None = None) -> list[StoredAlert]:
        """The newest `limit` alerts (of `kind`), oldest first."""
        where, args = ('WHERE kind = %s', (kind,)) if kind else ('', ())
        rows = self._query(f'SELECT seq, received_ns, body FROM alerts {where} ORDER BY seq DESC LIMIT %s',
                           (*args, limit))
        return [StoredAlert(seq, received, json.loads(body)) for seq, received, body in reversed(rows)]

    def alert_count(self, robot_id: str | None = None) -> int:
        if robot_id is None:
            return self._query('SELECT COUNT(*) FROM alerts', ())[0][0]
        return self._query('SELECT COUNT(*) FROM alerts WHERE robot_id = %s', (robot_id,))[0][0]

    def record_status(self, robot_id: str, status: dict[str, Any], received_ns: int) -> None:
        with self._transaction() as cursor:
            self._seen(cursor, robot_id, received_ns)
            cursor.execute(self._sql('UPDATE robots SET status = %s WHERE robot_id = %s'),
                           (json.dumps(status, separators=(',', ':')), robot_id))

    def record_witness(self, robot_id: str, state: str, detail: str, size: int | None = None,
                       root: str | None = None) -> None:
        """The witness's verdict on the robot's newest checkpoint; `size` / `root` when it was accepted."""
        with self._transaction() as cursor:
            cursor.execute(self._sql('INSERT INTO robots (robot_id, last_seen_ns) VALUES (%s, 0) '
                                     'ON CONFLICT (robot_id) DO NOTHING'), (robot_id,))
            cursor.execute(self._sql('UPDATE robots SET witness_state = %s, witness_detail = %s WHERE robot_id = %s'),
                           (state, detail, robot_id))
            if size is not None:
                cursor.execute(self._sql('UPDATE robots SET witnessed_size = %s, witnessed_root = %s '
                                         'WHERE robot_id = %s'), (size, root, robot_id))

    def robot(self, robot_id: str) -> RobotRecord | None:
        return next(iter(self._robots('WHERE robot_id = %s', (robot_id,))), None)

    def robots(self) -> list[RobotRecord]:
        return self._robots('', ())

    def log_command(self, robot_id: str, operator: str, command: str, nonce: int, sent_ns: int) -> int:
        """Who sent what to which robot, before it is sent; the row's seq."""
        with self._transaction() as cursor:
            cursor.execute(self._sql('INSERT INTO commands (robot_id, operator, command, nonce, sent_ns) '
                                     'VALUES (%s, %s, %s, %s, %s) RETURNING seq'),
                           (robot_id, operator, command, str(nonce), sent_ns))
            return cursor.fetchone()[0]

    def record_ack(self, robot_id: str, ack: dict[str, Any]) -> bool:
        """The robot's acknowledgement of a logged command (by nonce); False when no such command was logged."""
        with self._transaction() as cursor:
            cursor.execute(self._sql('UPDATE commands SET ack = %s WHERE robot_id = %s AND nonce = %s RETURNING seq'),
                           (json.dumps(ack, separators=(',', ':')), robot_id, str(ack.get('nonce'))))
            return cursor.fetchone() is not None

    def commands(self, limit: int = 100) -> list[CommandRecord]:
        rows = self._query('SELECT seq, robot_id, operator, command, nonce, sent_ns, ack FROM commands '
                           'ORDER BY seq DESC LIMIT %s', (limit,))
        return [CommandRecord(*row[:6], json.loads(row[6]) if row[6] else None) for row in rows]

    def add_telemetry(self, telemetry: dict[str, Any], received_ns: int) -> int:
        """Store a decoded telemetry message (no dedup: sent at most once, QoS 0); its seq."""
        with self._transaction() as cursor:
            cursor.execute(self._sql('INSERT INTO telemetry (robot_id, stamp_ns, received_ns, body) '
                                     'VALUES (%s, %s, %s, %s) RETURNING seq'),
                           (telemetry['robot_id'], telemetry['stamp_ns'], received_ns,
                            json.dumps(telemetry, separators=(',', ':'))))
            seq = cursor.fetchone()[0]
            self._seen(cursor, telemetry['robot_id'], received_ns)
        return seq

    def telemetry(self, robot_id: str, since_ns: int = 0, after_seq: int = 0,
                  limit: int = 1000) -> list[StoredTelemetry]:
        """`robot_id`'s telemetry received from `since_ns` on and after `after_seq`, oldest first (the newest
        `limit` of them)."""
        rows = self._query('SELECT seq, received_ns, body FROM telemetry WHERE robot_id = %s AND received_ns >= %s '
                           'AND seq > %s ORDER BY seq DESC LIMIT %s', (robot_id, since_ns, after_seq, limit))
        return [StoredTelemetry(seq, received, json.loads(body)) for seq, received, body in reversed(rows)]

    def latest_telemetry(self) -> dict[str, StoredTelemetry]:
        """Each robot's newest telemetry message."""
        rows = self._query('SELECT seq, received_ns, body FROM telemetry WHERE seq IN '
                           '(SELECT MAX(seq) FROM telemetry GROUP BY robot_id)', ())
        stored = [StoredTelemetry(seq, received, json.loads(body)) for seq, received, body in rows]
        return {t.telemetry['robot_id']: t for t in stored}

    def forget_telemetry(self, before_ns: int) -> int:
        """Telemetry received before `before_ns` deleted (the retention); how many rows."""
        with self._transaction() as cursor:
            cursor.execute(self._sql('DELETE FROM telemetry WHERE received_ns < %s'), (before_ns,))
            return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _robots(self, where: str, args: Sequence[Any]) -> list[RobotRecord]:
        rows = self._query('SELECT robot_id, last_seen_ns, status, witness_state, witness_detail, witnessed_size, '
                           f'witnessed_root FROM robots {where} ORDER BY robot_id', args)
        return [RobotRecord(r[0], r[1], json.loads(r[2]) if r[2] else None, *r[3:]) for r in rows]

    def _seen(self, cursor: Any, robot_id: str, received_ns: int) -> None:
        cursor.execute(self._sql('INSERT INTO robots (robot_id, last_seen_ns) VALUES (%s, %s) ON CONFLICT (robot_id) '
                                 'DO UPDATE SET last_seen_ns = excluded.last_seen_ns'), (robot_id, received_ns))

    def _query(self, sql: str, args: Sequence[Any]) -> list[tuple]:
        with self._transaction() as cursor:
            cursor.execute(self._sql(sql), tuple(args))
            return cursor.fetchall()

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == '%s' else sql.replace('%s', self.placeholder)

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock:
            cursor = self._db.cursor()
            try:
                yield cursor
                self._db.commit()
            except BaseException:
                self._db.rollback()
                raise
            finally:
                cursor.close()


class SqliteFleetStore(FleetStore):
    placeholder = '?'
    serial = 'INTEGER'    # INTEGER PRIMARY KEY: SQLite's rowid, increasing

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(path), check_same_thread=False, timeout=30.0)
        connection.execute('PRAGMA journal_mode=WAL')
        connection.execute('PRAGMA synchronous=FULL')
        super().__init__(connection)


class PostgresFleetStore(FleetStore):
    def __init__(self, url: str) -> None:
        import psycopg  # only a centre on PostgreSQL needs it

        super().__init__(psycopg.connect(url))


def open_fleet_store(url: str | Path) -> FleetStore:
    """`postgresql://user:password@host/db` (or postgres://), `sqlite:///path`, or a plain file path (SQLite)."""
    url = str(url)
    if url.startswith(('postgresql://', 'postgres://')):
        return PostgresFleetStore(url)
    return SqliteFleetStore(url.removeprefix('sqlite://'))
