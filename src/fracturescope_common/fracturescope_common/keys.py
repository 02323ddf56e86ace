"""Ed25519 key files shared by every signer in the graph (ledger checkpoints, operator commands).

A private key is an unencrypted PKCS8 PEM file created with mode 0600 (never committed: *.pem is git-ignored);
its public key is written next to it as ``<path>.pub``, 64 lowercase hex digits and a newline. A public key is read
from such a ``.pub`` file or from a PEM public or private key.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fracturescope_common.json_lines import fsync_directory

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


def key_id(public_key: bytes) -> str:
    """Short fingerprint of a signing key: the first 16 hex digits of SHA-256(public key)."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_or_create_private_key(path: str | os.PathLike[str], create: bool = True) -> Ed25519PrivateKey:
    """Load an unencrypted PKCS8 PEM Ed25519 key, creating it (mode 0600) and ``<path>.pub`` if absent."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no signing key at {path}")
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        if not _write_new_file(path, pem):
            return load_or_create_private_key(path, create=False)  # another process created it first
        _write_replace(Path(f"{path}.pub"), raw_public_key(key).hex().encode() + b"\n", 0o644)
        return key
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, expected an Ed25519 private key")
    return key


def load_public_key(path: str | os.PathLike[str]) -> bytes:
    """Raw Ed25519 public key from a ``.pub`` hex file or a PEM public or private key."""
    data = Path(path).read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        if b"PRIVATE KEY" in data:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return public_key_from_hex(data.decode("ascii").strip(), str(path))


def public_key_from_hex(text: str, where: str = "key") -> bytes:
    """Raw Ed25519 public key from 64 hex digits."""
    try:
        raw = bytes.fromhex(text)
    except ValueError as error:
        raise ValueError(f"{where} is not hex: {error}") from error
    if len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError(f"{where} holds {len(raw)} bytes, expected a {PUBLIC_KEY_SIZE}-byte Ed25519 key")
    return raw


def write_new_public_key(path: str | os.PathLike[str], public_key: bytes) -> bool:
    """Create ``path`` holding ``public_key`` as 64 hex digits (mode 0644); False, writing nothing, if it exists."""
    return _write_new_file(Path(path), public_key.hex().encode() + b"\n", 0o644)


def _write_new_file(path: Path, data: bytes, mode: int = 0o600) -> bool:
    """Atomically create ``path`` with ``data``; False if it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path, data, mode)
    try:
        os.link(tmp, path)  # unlike rename, link never replaces an existing key
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    fsync_directory(path.parent)
    return True


def _write_replace(path: Path, data: bytes, mode: int) -> None:
    os.replace(_write_temp(path, data, mode), path)
    fsync_directory(path.parent)


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    return tmp
