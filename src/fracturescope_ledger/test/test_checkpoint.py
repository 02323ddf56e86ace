import dataclasses
import hashlib
import os
import stat
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.keys import load_public_key
from fracturescope_ledger.checkpoint import Checkpoint, CheckpointSigner
import pytest

ROOT = hashlib.sha256(b"root").digest()


def test_signed_bytes_layout(signer):
    checkpoint = signer.sign(5, ROOT, -7)
    assert checkpoint.signed_bytes() == b"FSLEDGER-CHECKPOINT-v1\n" + struct.pack(">Q32sq", 5, ROOT, -7)
    assert checkpoint.key_id == hashlib.sha256(signer.public_key).hexdigest()[:16] == signer.key_id


def test_verify_detects_every_change(signer, other_signer):
    checkpoint = signer.sign(5, ROOT, 99)
    assert checkpoint.verify() and checkpoint.verify(signer.public_key)
    assert not checkpoint.verify(other_signer.public_key)
    for change in ({"tree_size": 6}, {"root_hash": bytes(32)}, {"timestamp_ns": 98},
                   {"signature": bytes(64)}, {"public_key": other_signer.public_key}, {"signature": b"x"}):
        assert not dataclasses.replace(checkpoint, **change).verify()


def test_json_round_trip(signer):
    checkpoint = signer.sign(1, ROOT, 2)
    assert Checkpoint.from_json(checkpoint.to_json()) == checkpoint
    with pytest.raises(ValueError):
        Checkpoint.from_json({"tree_size": 1})


def test_key_file_is_created_private_and_reloaded(tmp_path):
    path = tmp_path / "deep" / "dir" / "key.pem"
    signer = CheckpointSigner.from_key_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert CheckpointSigner.from_key_file(path, create=False).public_key == signer.public_key
    assert load_public_key(f"{path}.pub") == signer.public_key == load_public_key(path)
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(FileNotFoundError):
        CheckpointSigner.from_key_file(tmp_path / "absent.pem", create=False)


def test_public_pem_and_bad_keys(tmp_path):
    key = Ed25519PrivateKey.generate()
    pem = tmp_path / "pub.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    assert load_public_key(pem) == key.public_key().public_bytes(serialization.Encoding.Raw,
                                                                 serialization.PublicFormat.Raw)
    short = tmp_path / "short.pub"
    short.write_text("abcd\n")
    with pytest.raises(ValueError, match="expected a 32-byte"):
        load_public_key(short)
