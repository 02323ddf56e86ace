"""Reads the messages of a rosbag2 sqlite3 file (the `.db3` of `ros2 bag record -s sqlite3`) and what is still
readable of a damaged one.

Tables as rosbag2_storage_default_plugins writes them: topics(id, name, type, serialization_format,
offered_qos_profiles[, type_description_hash]) and messages(id, topic_id, timestamp, data). Messages are read in
insertion order (rosbag2 inserts them as they arrive, so in time order), a page at a time, so a file damaged part
way still gives the messages before the damage; the damage is reported with the message index it was met at.
rosbags 0.10's own sqlite3 reader refuses bags whose message definitions it cannot re-derive (rosbag2's own test
bags among them), so this reads the tables directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
import sqlite3
from urllib.parse import quote

from .bag_damage import BagDamage

PAGE = 512


@dataclass(frozen=True)
class Sqlite3Topic:
    id: int
    name: str
    type: str
    serialization_format: str
    offered_qos_profiles: str
    type_description_hash: str


class Sqlite3Scanner:
    """Messages of one rosbag2 sqlite3 file, with the damage met on the way."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.damages: list[BagDamage] = []

    def _connect(self) -> sqlite3.Connection:
        # Read-only and immutable: reading never writes a journal next to the bag or waits on a lock.
        return sqlite3.connect(f'file:{quote(str(self.path.resolve()))}?mode=ro&immutable=1', uri=True)

    def topics(self) -> dict[int, Sqlite3Topic]:
        """The file's topics table (rosbag2 before Iron has no type_description_hash column)."""
        with closing(self._connect()) as connection:
            columns = {row[1] for row in connection.execute('PRAGMA table_info(topics)')}
            hash_column = 'type_description_hash' if 'type_description_hash' in columns else "''"
            rows = connection.execute(f'SELECT id, name, type, serialization_format, offered_qos_profiles, '
                                      f'{hash_column} FROM topics').fetchall()
        return {row[0]: Sqlite3Topic(*row) for row in rows}

    def messages(self, start_ns: int | None = None) -> Iterator[tuple[str, int, bytes]]:
        """(topic name, timestamp in ns, serialized message) in insertion order."""
        self.damages = []
        count = 0
        try:
            names = {topic.id: topic.name for topic in self.topics().values()}
        except sqlite3.DatabaseError as error:
            self.damages.append(BagDamage(self.path, None, 0, f'the topics table does not read ({error}): '
                                                               'nothing read from this file'))
            return
        connection = self._connect()
        try:
            last_id = -1
            while True:
                try:
                    rows = connection.execute('SELECT id, topic_id, timestamp, data FROM messages WHERE id > ? '
                                              'ORDER BY id LIMIT ?', (last_id, PAGE)).fetchall()
                except sqlite3.DatabaseError as error:
                    self.damages.append(BagDamage(
                        self.path, None, count,
                        f'the messages table does not read past message id {last_id} ({error}): the rest of the '
                        'file is not played'))
                    return
                if not rows:
                    return
                for row_id, topic_id, timestamp, data in rows:
                    last_id = row_id
                    if topic_id not in names:
                        self.damages.append(BagDamage(self.path, None, count,
                                                      f'message id {row_id} is on unknown topic id {topic_id}'))
                        continue
                    if start_ns is None or timestamp >= start_ns:
                        count += 1
                        yield names[topic_id], timestamp, bytes(data)
        finally:
            connection.close()
