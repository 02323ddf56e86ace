"""Opens a bag as `ros2 bag play` takes it: a rosbag2 directory (metadata.yaml and its files, MCAP or sqlite3, any
metadata version from 4 to 9, split into several files or not, zstd-compressed per file or per message), or a
single `.mcap` / `.db3` file. Its messages come in time order file after file; damage in a file is collected in
`Bag.damages` while the readable rest is still read (mcap_scanner.py, sqlite3_scanner.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
import tempfile

from rosbags.interfaces import ConnectionExtRosbag2, Qos
from rosbags.rosbag2 import Reader, ReaderError
import zstandard

from .bag_damage import BagDamage
from .mcap_scanner import McapScanner
from .qos_profiles import read_qos
from .sqlite3_scanner import Sqlite3Scanner

STORAGE_SUFFIXES = {'.mcap': 'mcap', '.db3': 'sqlite3'}


class BagError(ValueError):
    """The bag cannot be opened at all (no metadata, unknown storage, missing files)."""


@dataclass(frozen=True)
class BagTopic:
    name: str
    type: str
    offered_qos: tuple[Qos, ...]
    message_count: int | None  # None: a single file without metadata, not counted
    type_description_hash: str = ''


@dataclass(frozen=True)
class BagMessage:
    topic: str
    timestamp_ns: int
    data: bytes


@dataclass
class Bag:
    path: Path
    storage: str
    files: list[Path]
    topics: dict[str, BagTopic]
    starting_time_ns: int | None = None  # None: unknown until the first message is read
    duration_ns: int | None = None
    compression_mode: str = ''
    damages: list[BagDamage] = field(default_factory=list)

    def messages(self, topics: Collection[str] | None = None, start_ns: int | None = None) -> Iterator[BagMessage]:
        """Messages on `topics` (all when None) from `start_ns` on; `damages` is refilled as files are read."""
        self.damages = []
        for file in self.files:
            with _storage_file(file, self.compression_mode) as readable:
                scanner = McapScanner(readable) if self.storage == 'mcap' else Sqlite3Scanner(readable)
                found = (((c.topic, t, d) for c, t, d in scanner.messages(start_ns)) if self.storage == 'mcap'
                         else scanner.messages(start_ns))
                for topic, timestamp, data in found:
                    if topics is None or topic in topics:
                        if self.compression_mode == 'message':
                            data = zstandard.ZstdDecompressor().decompress(data)
                        yield BagMessage(topic, timestamp, data)
                # Damage names the file the user has, not a decompressed copy.
                self.damages.extend(BagDamage(file, d.offset, d.message_index, d.problem) for d in scanner.damages)


def open_bag(path: Path | str) -> Bag:
    """The bag at `path`: a rosbag2 directory with metadata.yaml, or one .mcap / .db3 file."""
    path = Path(path)
    if path.is_file():
        return _single_file(path)
    if not (path / 'metadata.yaml').is_file():
        raise BagError(f'{path}: no metadata.yaml (give a bag directory, or one .mcap or .db3 file)')
    try:
        reader = Reader(path)
    except ReaderError as error:
        raise BagError(f'{path}: {error}') from error
    metadata = reader.metadata
    topics = {}
    for connection in reader.connections:
        ext = connection.ext
        assert isinstance(ext, ConnectionExtRosbag2)
        topics[connection.topic] = BagTopic(connection.topic, connection.msgtype, tuple(ext.offered_qos_profiles),
                                            connection.msgcount, connection.digest or '')
    count = metadata['message_count']
    return Bag(path, metadata['storage_identifier'], list(reader.paths), topics,
               metadata['starting_time']['nanoseconds_since_epoch'] if count else None,
               metadata['duration']['nanoseconds'] if count else None,
               reader.compression_mode or '')


def _single_file(path: Path) -> Bag:
    storage = STORAGE_SUFFIXES.get(path.suffix)
    if storage == 'mcap':
        channels = McapScanner(path).read_channels()
        topics = {c.topic: BagTopic(c.topic, c.schema_name, tuple(read_qos(c.metadata.get('offered_qos_profiles'))),
                                    None, c.metadata.get('topic_type_hash', '')) for c in channels.values()}
    elif storage == 'sqlite3':
        topics = {t.name: BagTopic(t.name, t.type, tuple(read_qos(t.offered_qos_profiles)), None,
                                   t.type_description_hash) for t in Sqlite3Scanner(path).topics().values()}
    else:
        raise BagError(f'{path}: not a bag file (.mcap or .db3) nor a bag directory')
    return Bag(path, storage, [path], topics)


@contextmanager
def _storage_file(path: Path, compression_mode: str) -> Iterator[Path]:
    """The file itself, or for a bag compressed per file (`<name>.zstd`) a decompressed temporary copy."""
    if compression_mode != 'file':
        yield path
        return
    with tempfile.TemporaryDirectory(prefix='fracturescope-bag-') as directory:
        target = Path(directory) / path.with_suffix('').name
        with path.open('rb') as source, target.open('wb') as sink:
            zstandard.ZstdDecompressor().copy_stream(source, sink)
        yield target
