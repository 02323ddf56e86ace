"""Reads the messages of an MCAP file front to back, and keeps reading past damage.

rosbags' reader needs the file's summary section and stops at the first bad byte without saying where; a bag cut
short (a recorder killed, a full disk) has no summary at all. This scanner walks the records of the data section
(MCAP specification: an opcode byte, a 64-bit length, the body) and reports each damaged stretch as a BagDamage:
- a file that ends inside a record: reported, everything before it read;
- a chunk whose CRC, size or compression does not check out: reported and skipped whole (which of its messages
  are wrong cannot be told);
- bytes that are no record at all: reported, and reading goes on at the next record that checks out (a chunk
  whose size and CRC hold, or a record followed by another plausible one).
Channels come from the records met on the way and, when the file is complete, from its summary section, so
messages after a damaged first chunk (where a writer puts its channels) still get their topic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
import mmap
from pathlib import Path
import re
import struct
import zlib

import lz4.frame
import zstandard

from .bag_damage import BagDamage

MAGIC = b'\x89MCAP0\r\n'
HEADER, FOOTER, SCHEMA, CHANNEL, MESSAGE, CHUNK, MESSAGE_INDEX = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
DATA_END = 0x0F
KNOWN_OPCODES = set(range(0x01, 0x10))
# Where reading may start again after damage: records of the data section.
_RESUMABLE = re.compile(rb'[\x03\x04\x05\x06\x07\x0f]')
_RECORD = struct.Struct('<BQ')
_FOOTER_SIZE = 1 + 8 + 20 + len(MAGIC)


@dataclass(frozen=True)
class McapChannel:
    id: int
    topic: str
    schema_name: str
    message_encoding: str
    metadata: dict[str, str] = field(default_factory=dict)


class RecordError(ValueError):
    """A record's body does not parse."""


def _decompress(compression: str, data: bytes, size: int) -> bytes:
    if compression == '':
        return bytes(data)
    if compression == 'zstd':
        return zstandard.ZstdDecompressor().decompress(data, max_output_size=size)
    if compression == 'lz4':
        return lz4.frame.decompress(data)
    raise RecordError(f'unknown chunk compression {compression!r}')


class McapScanner:
    """Messages of one MCAP file in file order (within a chunk by log time), with the damage met on the way."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.schemas: dict[int, str] = {}
        self.channels: dict[int, McapChannel] = {}
        self.damages: list[BagDamage] = []
        self.metadata: dict[str, dict[str, str]] = {}
        self._count = 0
        self._channels_from_summary = False

    def messages(self, start_ns: int | None = None) -> Iterator[tuple[McapChannel, int, bytes]]:
        """(channel, log time in ns, serialized message); those before `start_ns` are left out (whole chunks
        before it without decompressing them)."""
        self._count = 0
        self.damages = []
        with self.path.open('rb') as file:
            size = self.path.stat().st_size
            if size < len(MAGIC) or file.read(len(MAGIC)) != MAGIC:
                self._damage(0, 'not an MCAP file (no MCAP magic at its start): nothing read')
                return
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                self._read_summary(data)
                yield from self._scan(data, start_ns)

    def read_channels(self) -> dict[int, McapChannel]:
        """The file's channels: from its summary section, or by reading it whole where it has none."""
        if not self.channels:
            for _ in self.messages(start_ns=2**63 - 1):
                pass
        return self.channels

    def _scan(self, data: mmap.mmap, start_ns: int | None) -> Iterator[tuple[McapChannel, int, bytes]]:
        end = len(data)
        offset = len(MAGIC)
        while offset < end:
            problem = self._framing_problem(data, offset, end)
            if problem:
                resume = self._resume_point(data, offset + 1, end)
                if resume is None:
                    self._damage(offset, f'{problem}; nothing readable after it ({end - offset} bytes): the rest of '
                                         'the file is not played')
                    return
                self._damage(offset, f'{problem}; {resume - offset} unreadable bytes skipped, reading resumed at '
                                     f'byte offset {resume}')
                offset = resume
                continue
            opcode, length = _RECORD.unpack_from(data, offset)
            body, body_end = offset + 9, offset + 9 + length
            if opcode in (DATA_END, FOOTER):
                return
            try:
                if opcode == CHUNK:
                    yield from self._chunk_messages(data, offset, body, body_end, start_ns)
                else:
                    message = self._record(opcode, data, body, body_end)
                    if message and (start_ns is None or message[1] >= start_ns):
                        self._count += 1
                        yield message
            except (RecordError, struct.error, UnicodeDecodeError, zstandard.ZstdError, RuntimeError) as error:
                self._damage(offset, f'{_RECORD_NAMES.get(opcode, "record")} does not read ({error}): skipped')
            offset = body_end
        self._damage(end, 'the file ends without its closing records (data end, footer): it was cut short, '
                          'everything before was read')

    def _chunk_messages(self, data: mmap.mmap, offset: int, body: int, body_end: int,
                        start_ns: int | None) -> Iterator[tuple[McapChannel, int, bytes]]:
        _, end_time, _, _ = struct.unpack_from('<QQQI', data, body)
        if start_ns is not None and end_time < start_ns and self._channels_from_summary:
            return
        records = _chunk_records(data, body, body_end)
        messages = []
        inner = 0
        while inner < len(records):
            if len(records) - inner < 9:
                raise RecordError(f'chunk content ends inside a record at its byte {inner}')
            opcode, length = _RECORD.unpack_from(records, inner)
            if inner + 9 + length > len(records):
                raise RecordError(f'record at chunk byte {inner} runs past the chunk end')
            message = self._record(opcode, records, inner + 9, inner + 9 + length)
            if message and (start_ns is None or message[1] >= start_ns):
                messages.append(message)
            inner += 9 + length
        messages.sort(key=lambda m: m[1])
        for message in messages:
            self._count += 1
            yield message

    def _record(self, opcode: int, data: bytes | mmap.mmap, body: int,
                body_end: int) -> tuple[McapChannel, int, bytes] | None:
        if opcode == MESSAGE:
            channel_id, _, log_time, _ = struct.unpack_from('<HIQQ', data, body)
            channel = self.channels.get(channel_id)
            if channel is None:
                raise RecordError(f'message on channel {channel_id}, which no readable channel record defines')
            return channel, log_time, bytes(data[body + 22:body_end])
        if opcode == SCHEMA:
            schema_id = struct.unpack_from('<H', data, body)[0]
            name, _ = _string(data, body + 2, body_end)
            self.schemas[schema_id] = name
        elif opcode == CHANNEL:
            channel_id, schema_id = struct.unpack_from('<HH', data, body)
            topic, at = _string(data, body + 4, body_end)
            encoding, at = _string(data, at, body_end)
            self.channels[channel_id] = McapChannel(channel_id, topic, self.schemas.get(schema_id, ''), encoding,
                                                    _string_map(data, at, body_end))
        elif opcode == 0x0C:  # Metadata (rosbag2 keeps its serialized metadata.yaml here)
            name, at = _string(data, body, body_end)
            self.metadata[name] = _string_map(data, at, body_end)
        return None

    def _read_summary(self, data: mmap.mmap) -> None:
        """Schemas and channels of a complete file's summary section; nothing for a file cut short."""
        end = len(data)
        if end < len(MAGIC) * 2 + _FOOTER_SIZE or data[end - len(MAGIC):] != MAGIC:
            return
        footer = end - _FOOTER_SIZE
        if data[footer] != FOOTER:
            return
        summary_start = struct.unpack_from('<Q', data, footer + 9)[0]
        if not len(MAGIC) < summary_start < footer:
            return
        offset = summary_start
        try:
            while offset < footer:
                opcode, length = _RECORD.unpack_from(data, offset)
                if offset + 9 + length > footer:
                    return
                if opcode in (SCHEMA, CHANNEL):
                    self._record(opcode, data, offset + 9, offset + 9 + length)
                offset += 9 + length
            self._channels_from_summary = bool(self.channels)
        except (RecordError, struct.error, UnicodeDecodeError):
            return  # the data section's own channel records still count

    def _framing_problem(self, data: mmap.mmap, offset: int, end: int) -> str | None:
        if end - offset < 9:
            return f'the file ends inside a record header ({end - offset} bytes left): it was cut short'
        opcode, length = _RECORD.unpack_from(data, offset)
        if opcode not in KNOWN_OPCODES and opcode < 0x80:
            return f'no MCAP record here (opcode 0x{opcode:02x})'
        if offset + 9 + length > end:
            name = _RECORD_NAMES.get(opcode, f'record 0x{opcode:02x}')
            return (f'{name} of {length} bytes runs past the end of the file ({end - offset - 9} bytes left): the '
                    'file was cut short or the length is damaged')
        return None

    def _resume_point(self, data: mmap.mmap, start: int, end: int) -> int | None:
        for found in _RESUMABLE.finditer(data, start, end):
            offset = found.start()
            if self._plausible(data, offset, end):
                return offset
        return None

    def _plausible(self, data: mmap.mmap, offset: int, end: int) -> bool:
        if end - offset < 9:
            return False
        opcode, length = _RECORD.unpack_from(data, offset)
        body_end = offset + 9 + length
        if body_end > end:
            return False
        if opcode == CHUNK:
            try:
                _chunk_records(data, offset + 9, body_end)
            except (RecordError, struct.error, UnicodeDecodeError, zstandard.ZstdError, RuntimeError):
                return False
            return True
        if opcode == DATA_END:
            return length == 4
        # Anything else only when the record after it starts plausibly too.
        if end - body_end < 9:
            return False
        next_opcode, next_length = _RECORD.unpack_from(data, body_end)
        return next_opcode in KNOWN_OPCODES and body_end + 9 + next_length <= end

    def _damage(self, offset: int, problem: str) -> None:
        self.damages.append(BagDamage(self.path, offset, self._count, problem))


def _chunk_records(data: mmap.mmap, body: int, body_end: int) -> bytes:
    """A chunk's records, decompressed and checked against its size and CRC (0: not computed by the writer)."""
    _, _, size, crc = struct.unpack_from('<QQQI', data, body)
    compression, at = _string(data, body + 28, body_end)
    stored = struct.unpack_from('<Q', data, at)[0]
    if at + 8 + stored != body_end:
        raise RecordError(f'chunk holds {body_end - at - 8} bytes of records but says {stored}')
    records = _decompress(compression, data[at + 8:body_end], size)
    if len(records) != size:
        raise RecordError(f'chunk records are {len(records)} bytes, the chunk says {size}')
    if crc and zlib.crc32(records) != crc:
        raise RecordError('chunk CRC does not match its content')
    return records


def _string(data: bytes | mmap.mmap, at: int, end: int) -> tuple[str, int]:
    length = struct.unpack_from('<I', data, at)[0]
    if at + 4 + length > end:
        raise RecordError('string runs past its record')
    return bytes(data[at + 4:at + 4 + length]).decode(), at + 4 + length


def _string_map(data: bytes | mmap.mmap, at: int, end: int) -> dict[str, str]:
    size = struct.unpack_from('<I', data, at)[0]
    at += 4
    stop = at + size
    if stop > end:
        raise RecordError('map runs past its record')
    result = {}
    while at < stop:
        key, at = _string(data, at, stop)
        result[key], at = _string(data, at, stop)
    return result


_RECORD_NAMES: dict[int, str] = {HEADER: 'header record', SCHEMA: 'schema record', CHANNEL: 'channel record',
                                 MESSAGE: 'message record', CHUNK: 'chunk', MESSAGE_INDEX: 'message index record'}
