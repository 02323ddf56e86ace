"""Writes a rosbag2 MCAP bag as `ros2 bag record -s mcap` lays it out, so `ros2 bag info` / `ros2 bag play` read it:
a directory `<name>/` of `<name>_0.mcap`, `<name>_1.mcap`, ... (split by size or duration) and a metadata.yaml of
version 9 (topics with their publishers' offered QoS by name, type hashes, one entry per file).

Each file is written by rosbags' MCAP writer, with two additions:
- it is opened under rosbag2's file name (rosbags names its one file after its folder);
- each chunk gets its CRC (rosbags leaves 0, "not computed"), so a reader can tell a damaged chunk from a good one.
`flush()` (the recorder calls it every second) closes the pending chunk, hands it to the OS and rewrites
metadata.yaml, so a recorder killed without warning leaves a bag readable up to its last flush: metadata.yaml
always lists the file being written.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import struct
import zlib

from fracturescope_common.message_definitions import IDL
from rosbags.interfaces import Connection, ConnectionExtRosbag2, MessageDefinition, MessageDefinitionFormat, Qos
from rosbags.rosbag2 import CompressionMode
from rosbags.rosbag2.storage_mcap import McapWriter
import yaml

from .qos_profiles import metadata_qos, serialized_qos

METADATA_VERSION = 9
NO_START = 2**63 - 1  # rosbag2's starting time of a bag without messages
# Chunk record: opcode, record length, message start time, message end time, uncompressed size, then the CRC.
_CHUNK_CRC_OFFSET = 1 + 8 + 3 * 8


@dataclass(frozen=True)
class TopicSpec:
    """A recorded topic: name, type (`pkg/msg/Type`), the publishers' offered QoS, RIHS01 type hash and the
    complete definition (encoding, text) as message_definitions.complete_definition gives it."""

    name: str
    type: str
    offered_qos: tuple[Qos, ...] = ()
    type_description_hash: str = ''
    definition: tuple[str, str] = ('', '')


@dataclass
class _FileStats:
    path: Path
    message_count: int = 0
    first_ns: int = NO_START
    last_ns: int = 0


class _McapFile(McapWriter):
    """rosbags' MCAP writer on one file of a split bag, with chunk CRCs."""

    def __init__(self, path: Path, compression: CompressionMode) -> None:
        # McapWriter writes <folder>/<folder>.mcap: let it create that in a scratch folder, then give the open
        # file its rosbag2 name (the open handle keeps writing to it).
        scratch = path.with_name(f'.{path.stem}.opening')
        scratch.mkdir()
        super().__init__(scratch, compression)
        self.path.rename(path)
        scratch.rmdir()
        self.path = path

    def close_chunk(self) -> None:
        crc = zlib.crc32(self.chunk.bio.getvalue())
        start = self.bio.tell()
        super().close_chunk()
        end = self.bio.tell()
        self.bio.seek(start + _CHUNK_CRC_OFFSET)
        self.bio.write(struct.pack('<I', crc))
        self.bio.seek(end)

    def flush(self) -> None:
        if self.chunk.bio.tell():
            self.close_chunk()
        self.bio.flush()

    def size(self) -> int:
        """Bytes in the file once the pending chunk is written."""
        return self.bio.tell() + self.chunk.bio.tell()


@dataclass
class SplitLimits:
    """When to start the next file: 0 means no limit."""

    max_bytes: int = 0
    max_duration_ns: int = 0


class BagWriter:
    """A rosbag2 MCAP bag being written; use as a context manager or call close()."""

    def __init__(self, path: Path | str, limits: SplitLimits | None = None, *, zstd_chunks: bool = False,
                 ros_distro: str | None = None) -> None:
        self.path = Path(path)
        if self.path.exists():
            raise FileExistsError(f'{self.path} exists already: not overwriting a bag')
        self.path.mkdir(parents=True)
        self.limits = limits or SplitLimits()
        self.compression = CompressionMode.STORAGE if zstd_chunks else CompressionMode.NONE
        self.ros_distro = ros_distro or os.environ.get('ROS_DISTRO', 'kilted')
        self.topics: dict[str, TopicSpec] = {}
        self.counts: dict[str, int] = {}
        self._connections: dict[str, Connection] = {}
        self._files: list[_FileStats] = []
        self._file: _McapFile | None = None
        self._open_next_file()

    def add_topic(self, spec: TopicSpec) -> None:
        if spec.name in self.topics:
            raise ValueError(f'topic {spec.name} added twice')
        encoding, text = spec.definition
        self.topics[spec.name] = spec
        self.counts[spec.name] = 0
        self._connections[spec.name] = Connection(
            id=len(self._connections) + 1, topic=spec.name, msgtype=spec.type,
            msgdef=MessageDefinition(MessageDefinitionFormat.IDL if encoding == IDL else MessageDefinitionFormat.MSG,
                                     text),
            digest=spec.type_description_hash, msgcount=0,
            ext=ConnectionExtRosbag2(serialization_format='cdr', offered_qos_profiles=list(spec.offered_qos)),
            owner=self)
        self._add_to_file(self._connections[spec.name])

    def write(self, topic: str, timestamp_ns: int, data: bytes) -> None:
        """One serialized (CDR) message received at `timestamp_ns`."""
        assert self._file is not None, 'bag closed'
        stats = self._files[-1]
        if stats.message_count and self._split_due(stats, timestamp_ns):
            self._close_file()
            self._open_next_file()
            stats = self._files[-1]
        self._file.write(self._connections[topic], timestamp_ns, data)
        self.counts[topic] += 1
        stats.message_count += 1
        stats.first_ns = min(stats.first_ns, timestamp_ns)
        stats.last_ns = max(stats.last_ns, timestamp_ns)

    def flush(self) -> None:
        """Everything so far to the OS and metadata.yaml up to date (see the module docstring)."""
        if self._file is not None:
            self._file.flush()
            self._write_metadata()

    def close(self) -> None:
        """Finish the file being written (summary, footer) and write the final metadata.yaml; idempotent."""
        if self._file is not None:
            self._close_file()
            self._write_metadata()

    @property
    def files(self) -> list[Path]:
        return [f.path for f in self._files]

    def __enter__(self) -> BagWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _split_due(self, stats: _FileStats, timestamp_ns: int) -> bool:
        assert self._file is not None
        if self.limits.max_bytes and self._file.size() >= self.limits.max_bytes:
            return True
        return bool(self.limits.max_duration_ns) and timestamp_ns - stats.first_ns >= self.limits.max_duration_ns

    def _open_next_file(self) -> None:
        path = self.path / f'{self.path.name}_{len(self._files)}.mcap'
        self._file = _McapFile(path, self.compression)
        self._files.append(_FileStats(path))
        for connection in self._connections.values():
            self._add_to_file(connection)
        self.flush()

    def _add_to_file(self, connection: Connection) -> None:
        assert self._file is not None
        if connection.msgtype not in {schema.name for schema in self._file.schemas}:
            self._file.add_msgtype(connection)
        self._file.add_connection(connection, serialized_qos(self.topics[connection.topic].offered_qos))

    def _close_file(self) -> None:
        assert self._file is not None
        self._file.close(METADATA_VERSION, yaml.safe_dump(self.metadata(), sort_keys=False))
        self._file = None

    def metadata(self) -> dict:
        """rosbag2_bagfile_information as rosbag2 (metadata version 9) writes it."""
        files = self._files
        first = min((f.first_ns for f in self._files), default=NO_START)
        last = max((f.last_ns for f in self._files if f.message_count), default=first)
        return {
            'version': METADATA_VERSION,
            'storage_identifier': 'mcap',
            'duration': {'nanoseconds': last - first if first != NO_START else 0},
            'starting_time': {'nanoseconds_since_epoch': first},
            'message_count': sum(self.counts.values()),
            'topics_with_message_count': [
                {'topic_metadata': {'name': spec.name, 'type': spec.type, 'serialization_format': 'cdr',
                                    'offered_qos_profiles': metadata_qos(spec.offered_qos),
                                    'type_description_hash': spec.type_description_hash},
                 'message_count': self.counts[spec.name]}
                for spec in self.topics.values()],
            'compression_format': '',
            'compression_mode': '',
            'relative_file_paths': [f.path.name for f in files],
            'files': [{'path': f.path.name,
                       'starting_time': {'nanoseconds_since_epoch': f.first_ns},
                       'duration': {'nanoseconds': f.last_ns - f.first_ns if f.message_count else 0},
                       'message_count': f.message_count} for f in files],
            'custom_data': None,
            'ros_distro': self.ros_distro,
        }

    def _write_metadata(self) -> None:
        # Replaced whole (write, then rename): a crash never leaves half a metadata.yaml.
        target = self.path / 'metadata.yaml'
        scratch = target.with_name('.metadata.yaml.writing')
        scratch.write_text(yaml.safe_dump({'rosbag2_bagfile_information': self.metadata()}, sort_keys=False))
        os.replace(scratch, target)
