"""Ledger records, blocks and their canonical byte encoding.

A block's canonical encoding is the only thing that is hashed, stored and exported, so it is defined
byte by byte here (see README.md). It starts with a fixed-offset prefix so that verification can read
the index, the previous hash and the timestamp by slicing, without decoding the variable-length part.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
import hashlib
import math
import struct

HASH_SIZE = 32
GENESIS_PREVIOUS_HASH = bytes(HASH_SIZE)
MAGIC = b"FSLB"
VERSION = 1

_PREFIX = struct.Struct(">4sBQ32sqq")
OFFSET_VERSION = 4
OFFSET_INDEX = 5
OFFSET_PREVIOUS_HASH = 13
OFFSET_TIMESTAMP = OFFSET_PREVIOUS_HASH + HASH_SIZE
OFFSET_SOURCE_STAMP = OFFSET_TIMESTAMP + 8
PREFIX_SIZE = _PREFIX.size

_U32 = struct.Struct(">I")
_F64 = struct.Struct(">d")
_U64_MAX = 2**64 - 1
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


class InvalidRecord(ValueError):  # noqa: N818 (name fixed by the node API)
    """A record cannot enter the ledger; the message names the offending field."""


class MalformedBlock(ValueError):  # noqa: N818 (name fixed by the node API)
    """Bytes that are not the canonical encoding of a block."""


@dataclass(frozen=True)
class LedgerRecord:
    """One inspection result as the ledger stores it."""

    record_type: str
    source_stamp_ns: int
    location: str
    image_sha256: tuple[bytes, ...]
    label: str
    confidence: float
    model_id: str
    values: tuple[tuple[str, float], ...] = ()

    def validate(self, allowed_labels: Collection[str] | None = None) -> None:
        """Raise InvalidRecord naming the first field that cannot be encoded or is out of range."""
        _check_text("record_type", self.record_type)
        _check_int("source_stamp_ns", self.source_stamp_ns, _I64_MIN, _I64_MAX)
        _check_text("location", self.location)
        _check_digests(self.image_sha256)
        _check_text("label", self.label)
        _check_real("confidence", self.confidence)
        _check_text("model_id", self.model_id)
        _check_value_types(self.values)
        _check_content(self.record_type, self.image_sha256, self.label, self.confidence, self.values)
        if allowed_labels is not None and self.label not in allowed_labels:
            choices = ", ".join(sorted(allowed_labels) if isinstance(allowed_labels, set | frozenset)
                                else allowed_labels)
            raise InvalidRecord(f"label {self.label!r} is not one of {choices}")



@dataclass(frozen=True)
class RecordLimits:
    """How much of one message the ledger takes in: a 10 MB location or 100,000 values per detection is refused,
    not recorded (a few such messages made a database of 128 MB). Applied when a message arrives, never when
    decoding or verifying stored blocks."""

    max_text_bytes: int       # record type, location, label, model id, each value name (UTF-8 bytes)
    max_images: int           # image digests per record
    max_values: int           # named values per record

    def check(self, record: LedgerRecord) -> None:
        """Raise InvalidRecord naming the first field over its limit."""
        for field in ('record_type', 'location', 'label', 'model_id'):
            _check_size(field, len(getattr(record, field).encode('utf-8')), self.max_text_bytes, 'bytes')
        _check_size('image_sha256', len(record.image_sha256), self.max_images, 'digests')
        _check_size('values', len(record.values), self.max_values, 'values')
        for name, _ in record.values:
            _check_size(f'value name {name[:32]!r}', len(name.encode('utf-8')), self.max_text_bytes, 'bytes')


def _check_size(field: str, size: int, limit: int, unit: str) -> None:
    if size > limit:
        raise InvalidRecord(f"{field} has {size} {unit}, more than the {limit} the ledger takes")

@dataclass(frozen=True)
class Block:
    """A record sealed at a position of the chain; ``hash`` is SHA-256 of ``canonical``."""

    index: int
    timestamp_ns: int
    record: LedgerRecord
    previous_hash: bytes
    hash: bytes
    canonical: bytes


def block_hash(canonical: bytes) -> bytes:
    """The block hash: SHA-256 of the canonical encoding."""
    return hashlib.sha256(canonical).digest()


def encode_block(index: int, timestamp_ns: int, record: LedgerRecord, previous_hash: bytes) -> bytes:
    """Canonical encoding of a block; the record must be valid (see LedgerRecord.validate)."""
    _check_int("index", index, 0, _U64_MAX)
    _check_int("timestamp_ns", timestamp_ns, _I64_MIN, _I64_MAX)
    if len(previous_hash) != HASH_SIZE:
        raise InvalidRecord(f"previous_hash has {len(previous_hash)} bytes, expected {HASH_SIZE}")
    parts = [
        _PREFIX.pack(MAGIC, VERSION, index, previous_hash, timestamp_ns, record.source_stamp_ns),
        _text(record.record_type),
        _text(record.location),
        _U32.pack(len(record.image_sha256)),
        *record.image_sha256,
        _text(record.label),
        _F64.pack(record.confidence),
        _text(record.model_id),
        _U32.pack(len(record.values)),
    ]
    for name, value in record.values:
        parts += (_text(name), _F64.pack(value))
    return b"".join(parts)


def make_block(index: int, timestamp_ns: int, record: LedgerRecord, previous_hash: bytes) -> Block:
    """Validate, encode and hash a block."""
    record.validate()
    canonical = encode_block(index, timestamp_ns, record, previous_hash)
    return Block(index, timestamp_ns, record, previous_hash, block_hash(canonical), canonical)


def decode_block(canonical: bytes) -> Block:
    """Parse a canonical encoding back into a Block; raise MalformedBlock saying what is wrong."""
    canonical = bytes(canonical)
    index, previous_hash, timestamp_ns, source_stamp_ns, *fields = _parse(canonical)
    record_type, location, images, label, confidence, model_id, values = fields
    record = LedgerRecord(record_type, source_stamp_ns, location, images, label, confidence, model_id, values)
    return Block(index, timestamp_ns, record, previous_hash, block_hash(canonical), canonical)


def check_canonical(canonical: bytes) -> None:
    """Raise MalformedBlock unless ``canonical`` decodes to a valid block (cheaper than decode_block)."""
    _parse(canonical)


def _parse(buf: bytes) -> tuple:
    """All fields of a canonical encoding, in encoding order, with the record's content rules checked.

    Written flat (no per-field objects) because verification runs it on every stored block.
    """
    end = len(buf)
    if end < PREFIX_SIZE:
        raise MalformedBlock(f"{end} bytes is shorter than the {PREFIX_SIZE}-byte block prefix")
    magic, version, index, previous_hash, timestamp_ns, source_stamp_ns = _PREFIX.unpack_from(buf)
    if magic != MAGIC:
        raise MalformedBlock(f"bad magic {magic!r}, expected {MAGIC!r}")
    if version != VERSION:
        raise MalformedBlock(f"unsupported version {version}, expected {VERSION}")
    try:
        record_type, pos = _text_at(buf, PREFIX_SIZE, "record_type")
        location, pos = _text_at(buf, pos, "location")
        images_start = pos + 4
        images_end = images_start + HASH_SIZE * _U32.unpack_from(buf, pos)[0]
        if images_end > end:
            raise MalformedBlock(f"truncated image_sha256: the block ends at {end}, digests at {images_end}")
        images = tuple(buf[i:i + HASH_SIZE] for i in range(images_start, images_end, HASH_SIZE))
        label, pos = _text_at(buf, images_end, "label")
        confidence = _F64.unpack_from(buf, pos)[0]
        model_id, pos = _text_at(buf, pos + 8, "model_id")
        values = []
        pos += 4
        for _ in range(_U32.unpack_from(buf, pos - 4)[0]):
            name, pos = _text_at(buf, pos, "value name")
            values.append((name, _F64.unpack_from(buf, pos)[0]))
            pos += 8
    except struct.error as exc:
        raise MalformedBlock(f"truncated block of {end} bytes: {exc}") from exc
    if pos != end:
        raise MalformedBlock(f"{end - pos} trailing bytes after the last field")
    values = tuple(values)
    try:
        _check_content(record_type, images, label, confidence, values)
    except InvalidRecord as exc:
        raise MalformedBlock(f"decoded record is invalid: {exc}") from exc
    return (index, previous_hash, timestamp_ns, source_stamp_ns, record_type, location, images, label,
            confidence, model_id, values)


def _text_at(buf: bytes, pos: int, field: str) -> tuple[str, int]:
    start = pos + 4
    stop = start + _U32.unpack_from(buf, pos)[0]
    if stop > len(buf):
        raise MalformedBlock(f"truncated {field}: the block ends at {len(buf)}, the text at {stop}")
    try:
        return buf[start:stop].decode("utf-8"), stop
    except UnicodeDecodeError as exc:
        raise MalformedBlock(f"{field} is not valid UTF-8: {exc.reason}") from exc


def _check_content(record_type: str, images: tuple[bytes, ...], label: str, confidence: float,
                   values: tuple[tuple[str, float], ...]) -> None:
    """Rules on well-typed fields, shared by validate() and decoding."""
    if not record_type:
        raise InvalidRecord("record_type is empty")
    if not images:
        raise InvalidRecord("image_sha256 is empty, expected at least one digest")
    if not label:
        raise InvalidRecord("label is empty")
    if not 0.0 <= confidence <= 1.0:
        reason = ("NaN" if math.isnan(confidence) else "infinite" if math.isinf(confidence)
                  else f"{confidence}, expected a value in 0..1")
        raise InvalidRecord(f"confidence is {reason}")
    seen = set()
    for i, (name, value) in enumerate(values):
        if not name:
            raise InvalidRecord(f"values[{i}] name is empty")
        if name in seen:
            raise InvalidRecord(f"values[{i}] name {name!r} is a duplicate")
        seen.add(name)
        if not math.isfinite(value):
            raise InvalidRecord(f"values[{i}] ({name}) is {value}, expected a finite number")


def _text(value: str) -> bytes:
    raw = value.encode("utf-8")
    return _U32.pack(len(raw)) + raw


def _check_text(field: str, value: object) -> None:
    if not isinstance(value, str):
        raise InvalidRecord(f"{field} is {type(value).__name__}, expected str")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRecord(f"{field} cannot be encoded as UTF-8: {exc.reason}") from exc


def _check_int(field: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRecord(f"{field} is {type(value).__name__}, expected int")
    if not low <= value <= high:
        raise InvalidRecord(f"{field} is {value}, outside {low}..{high}")


def _check_real(field: str, value: object) -> None:
    if not isinstance(value, float | int) or isinstance(value, bool):
        raise InvalidRecord(f"{field} is {type(value).__name__}, expected float")


def _check_digests(digests: object) -> None:
    if not isinstance(digests, tuple):
        raise InvalidRecord(f"image_sha256 is {type(digests).__name__}, expected a tuple of digests")
    for i, digest in enumerate(digests):
        if not isinstance(digest, bytes):
            raise InvalidRecord(f"image_sha256[{i}] is {type(digest).__name__}, expected bytes")
        if len(digest) != HASH_SIZE:
            raise InvalidRecord(f"image_sha256[{i}] has {len(digest)} bytes, expected {HASH_SIZE}")


def _check_value_types(values: object) -> None:
    if not isinstance(values, tuple):
        raise InvalidRecord(f"values is {type(values).__name__}, expected a tuple of (name, value) pairs")
    for i, pair in enumerate(values):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidRecord(f"values[{i}] is not a (name, value) pair")
        _check_text(f"values[{i}] name", pair[0])
        _check_real(f"values[{i}] ({pair[0]})", pair[1])
