import os
import stat

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.keys import key_id, load_or_create_private_key, load_public_key, raw_public_key
import pytest


def test_private_key_is_created_0600_with_public_key_beside_it(tmp_path):
    path = tmp_path / 'deep' / 'op.pem'
    key = load_or_create_private_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert raw_public_key(load_or_create_private_key(path, create=False)) == raw_public_key(key)
    assert load_public_key(f'{path}.pub') == raw_public_key(key) == load_public_key(path)
    assert len(key_id(raw_public_key(key))) == 16
    with pytest.raises(FileNotFoundError):
        load_or_create_private_key(tmp_path / 'absent.pem', create=False)


def test_public_key_from_pem_and_bad_files(tmp_path):
    key = Ed25519PrivateKey.generate()
    pem = tmp_path / 'pub.pem'
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    assert load_public_key(pem) == raw_public_key(key)
    short = tmp_path / 'short.pub'
    short.write_text('abcd\n')
    with pytest.raises(ValueError):
        load_public_key(short)
