import dataclasses
import hashlib
import math
import struct

from fracturescope_ledger.block import (
    GENESIS_PREVIOUS_HASH,
    MAGIC,
    OFFSET_INDEX,
    OFFSET_PREVIOUS_HASH,
    OFFSET_TIMESTAMP,
    PREFIX_SIZE,
    InvalidRecord,
    LedgerRecord,
    MalformedBlock,
    RecordLimits,
    block_hash,
    decode_block,
    encode_block,
    make_block,
)
from fracturescope_ledger.crash_drill import drill_record
from hypothesis import given
from hypothesis import strategies as st
import pytest

DIGEST = hashlib.sha256(b"image").digest()
RECORD = LedgerRecord("defect", 123, "bay-1", (DIGEST,), "crack", 0.75, "model-a",
                      (("area", 1.5), ("len", -2.0)))


def test_round_trip_and_fixed_offsets():
    previous = bytes(range(32))
    block = make_block(42, 1_700_000_000_123_456_789, RECORD, previous)
    assert block.hash == hashlib.sha256(block.canonical).digest() == block_hash(block.canonical)
    assert decode_block(block.canonical) == block
    assert block.canonical[:4] == MAGIC
    assert int.from_bytes(block.canonical[OFFSET_INDEX:OFFSET_INDEX + 8], "big") == 42
    assert block.canonical[OFFSET_PREVIOUS_HASH:OFFSET_PREVIOUS_HASH + 32] == previous
    assert struct.unpack_from(">q", block.canonical, OFFSET_TIMESTAMP)[0] == 1_700_000_000_123_456_789


def test_encoding_is_byte_exact():
    record = LedgerRecord("e", -1, "", (DIGEST,), "ok", 0.5, "m")
    expected = (b"FSLB\x01" + (7).to_bytes(8, "big") + GENESIS_PREVIOUS_HASH + (5).to_bytes(8, "big")
                + (-1).to_bytes(8, "big", signed=True) + b"\x00\x00\x00\x01e" + b"\x00\x00\x00\x00"
                + b"\x00\x00\x00\x01" + DIGEST + b"\x00\x00\x00\x02ok" + struct.pack(">d", 0.5)
                + b"\x00\x00\x00\x01m" + b"\x00\x00\x00\x00")
    assert encode_block(7, 5, record, GENESIS_PREVIOUS_HASH) == expected


def test_encoding_is_deterministic_across_equal_records():
    copy = dataclasses.replace(RECORD, values=tuple(RECORD.values))
    assert encode_block(1, 2, RECORD, bytes(32)) == encode_block(1, 2, copy, bytes(32))
    assert encode_block(1, 2, RECORD, bytes(32)) != encode_block(1, 3, RECORD, bytes(32))


@given(seq=st.integers(min_value=0, max_value=10**6), index=st.integers(0, 2**64 - 1),
       stamp=st.integers(-(2**63), 2**63 - 1), label=st.text(min_size=1))
def test_round_trip_property(seq, index, stamp, label):
    record = dataclasses.replace(drill_record(seq), label=label, source_stamp_ns=stamp)
    block = make_block(index, stamp, record, hashlib.sha256(label.encode("utf-8", "surrogatepass")).digest())
    assert decode_block(block.canonical) == block


def _good() -> bytes:
    return make_block(3, 10, RECORD, bytes(32)).canonical


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda b: b[:PREFIX_SIZE - 1], "shorter than"),
    (lambda b: b"XSLB" + b[4:], "bad magic"),
    (lambda b: b[:4] + b"\x02" + b[5:], "unsupported version"),
    (lambda b: b + b"\x00", "trailing bytes"),
    (lambda b: b[:-3], "truncated"),
    (lambda b: b[:PREFIX_SIZE] + b"\x00\x00\x00\x06\xff\xfeefct" + b[PREFIX_SIZE + 10:], "not valid UTF-8"),
    (lambda b: b[:PREFIX_SIZE] + b"\xff\xff\xff\xff" + b[PREFIX_SIZE + 4:], "truncated record_type"),
    (lambda b: b[:PREFIX_SIZE] + b"\x00\x00\x00\x00" + b[PREFIX_SIZE + 10:], "record_type is empty"),
])
def test_malformed_encodings_are_rejected(mutate, message):
    with pytest.raises(MalformedBlock, match=message):
        decode_block(mutate(_good()))


def test_every_truncation_is_rejected():
    good = _good()
    for cut in range(len(good)):
        with pytest.raises(MalformedBlock):
            decode_block(good[:cut])


@pytest.mark.parametrize(("value", "message"), [(math.nan, "confidence is NaN"),
                                                 (1.5, "confidence is 1.5, expected a value in 0..1")])
def test_decoded_confidence_is_range_checked(value, message):
    body = bytearray(_good())
    at = body.index(struct.pack(">d", 0.75))
    body[at:at + 8] = struct.pack(">d", value)
    with pytest.raises(MalformedBlock, match=message):
        decode_block(bytes(body))


@pytest.mark.parametrize(("changes", "message"), [
    ({"confidence": math.nan}, "confidence is NaN"),
    ({"confidence": math.inf}, "confidence is infinite"),
    ({"confidence": -0.1}, "confidence is -0.1, expected a value in 0..1"),
    ({"confidence": "high"}, "confidence is str, expected float"),
    ({"image_sha256": (DIGEST, DIGEST[:31])}, r"image_sha256\[1\] has 31 bytes, expected 32"),
    ({"image_sha256": ()}, "image_sha256 is empty"),
    ({"image_sha256": [DIGEST]}, "image_sha256 is list"),
    ({"label": ""}, "label is empty"),
    ({"record_type": ""}, "record_type is empty"),
    ({"location": 5}, "location is int, expected str"),
    ({"model_id": "\ud800"}, "model_id cannot be encoded as UTF-8"),
    ({"source_stamp_ns": 2**63}, "source_stamp_ns is 9223372036854775808, outside"),
    ({"source_stamp_ns": True}, "source_stamp_ns is bool, expected int"),
    ({"values": (("a", 1.0), ("a", 2.0))}, r"values\[1\] name 'a' is a duplicate"),
    ({"values": (("", 1.0),)}, r"values\[0\] name is empty"),
    ({"values": (("a", math.inf),)}, r"values\[0\] \(a\) is inf, expected a finite number"),
    ({"values": (("a",),)}, r"values\[0\] is not a \(name, value\) pair"),
])
def test_validate_names_the_field(changes, message):
    with pytest.raises(InvalidRecord, match=message):
        dataclasses.replace(RECORD, **changes).validate()
    with pytest.raises(InvalidRecord):
        make_block(0, 0, dataclasses.replace(RECORD, **changes), bytes(32))


def test_validate_allowed_labels():
    RECORD.validate(["crack", "leak"])
    with pytest.raises(InvalidRecord, match="label 'crack' is not one of corrosion, leak, none, anomaly"):
        RECORD.validate(["corrosion", "leak", "none", "anomaly"])
    with pytest.raises(InvalidRecord, match="label 'crack' is not one of anomaly, leak"):
        RECORD.validate({"leak", "anomaly"})


def test_encode_rejects_bad_previous_hash_and_index():
    with pytest.raises(InvalidRecord, match="previous_hash has 31 bytes"):
        encode_block(0, 0, RECORD, bytes(31))
    with pytest.raises(InvalidRecord, match="index is -1"):
        encode_block(-1, 0, RECORD, bytes(32))


def test_limits_refuse_what_one_message_may_not_carry_and_name_the_field():
    limits = RecordLimits(max_text_bytes=256, max_images=16, max_values=1024)
    ok = LedgerRecord('defect', 1, 'bridge-7/pier-3', (bytes(32),), 'crack', 0.9, 'fusion@1',
                      tuple((f'region{i}_x_px', float(i)) for i in range(150)))
    limits.check(ok)
    for change, field in (({'location': 'x' * 10_000_000}, 'location'),
                          ({'image_sha256': (bytes(32),) * 100_000}, 'image_sha256'),
                          ({'values': tuple((f'v{i}', 0.0) for i in range(100_000))}, 'values'),
                          ({'values': (('n' * 300, 1.0),)}, 'value name')):
        with pytest.raises(InvalidRecord, match=f'^{field}.* more than the'):
            limits.check(dataclasses.replace(ok, **change))
