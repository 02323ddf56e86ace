"""Ed25519-signed checkpoints: (tree size, Merkle root, time) statements about the ledger."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import os
from pathlib import Path
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHECKPOINT_DOMAIN = b"FSLEDGER-CHECKPOINT-v1\n"
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
_BODY = struct.Struct(">Q32sq")


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the first ``tree_size`` blocks have Merkle root ``root_hash``."""

    tree_size: int
    root_hash: bytes
    timestamp_ns: int
    public_key: bytes
    signature: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def signed_bytes(self) -> bytes:
        """The message the signature covers: domain line, tree_size u64, root, timestamp_ns i64."""
        return checkpoint_message(self.tree_size, self.root_hash, self.timestamp_ns)

    def verify(self, trusted_public_key: bytes | None = None) -> bool:
        """Is the signature valid (and made by ``trusted_public_key`` when one is given)?"""
        if trusted_public_key is not None and trusted_public_key != self.public_key:
            return False
        if len(self.public_key) != PUBLIC_KEY_SIZE or len(self.signature) != SIGNATURE_SIZE:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(self.signature, self.signed_bytes())
        except (InvalidSignature, ValueError, struct.error):
            return False
        return True

    def to_json(self) -> dict[str, object]:
        """JSON-ready form with hex-encoded binary fields."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp_ns": self.timestamp_ns,
            "public_key": self.public_key.hex(),
            "key_id": self.key_id,
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Checkpoint:
        """Inverse of to_json; raises ValueError on missing or mistyped fields."""
        try:
            return cls(
                tree_size=_json_int(data["tree_size"]),
                root_hash=bytes.fromhex(str(data["root_hash"])),
                timestamp_ns=_json_int(data["timestamp_ns"]),
                public_key=bytes.fromhex(str(data["public_key"])),
                signature=bytes.fromhex(str(data["signature"])),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a checkpoint: {exc!r}") from exc


def key_id(public_key: bytes) -> str:
    """Short fingerprint of a signing key: the first 16 hex digits of SHA-256(public key)."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def checkpoint_message(tree_size: int, root_hash: bytes, timestamp_ns: int) -> bytes:
    """Canonical signed bytes of a checkpoint (see README.md)."""
    if len(root_hash) != 32:
        raise ValueError(f"root hash has {len(root_hash)} bytes, expected 32")
    return CHECKPOINT_DOMAIN + _BODY.pack(tree_size, root_hash, timestamp_ns)


class CheckpointSigner:
    """Holds the ledger's Ed25519 private key and signs checkpoints with it."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str], create: bool = True) -> CheckpointSigner:
        """Load an unencrypted PKCS8 PEM Ed25519 key, creating it (mode 0600) and ``<path>.pub`` if absent."""
        path = Path(path)
        if not path.exists():
            if not create:
                raise FileNotFoundError(f"no signing key at {path}")
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            if not _write_new_file(path, pem):
                return cls.from_key_file(path, create=False)  # another process created it first
            signer = cls(key)
            _write_replace(Path(f"{path}.pub"), signer.public_key.hex().encode() + b"\n", 0o644)
            return signer
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} holds a {type(key).__name__}, expected an Ed25519 private key")
        return cls(key)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, tree_size: int, root_hash: bytes, timestamp_ns: int) -> Checkpoint:
        message = checkpoint_message(tree_size, root_hash, timestamp_ns)
        return Checkpoint(tree_size, root_hash, timestamp_ns, self.public_key, self._key.sign(message))


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
    raw = bytes.fromhex(data.decode("ascii").strip())
    if len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError(f"{path} holds {len(raw)} bytes, expected a {PUBLIC_KEY_SIZE}-byte Ed25519 key")
    return raw


def _json_int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _write_new_file(path: Path, data: bytes) -> bool:
    """Atomically create ``path`` (mode 0600) with ``data``; False if it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path, data, 0o600)
    try:
        os.link(tmp, path)  # unlike rename, link never replaces an existing key
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    _fsync_dir(path.parent)
    return True


def _write_replace(path: Path, data: bytes, mode: int) -> None:
    os.replace(_write_temp(path, data, mode), path)
    _fsync_dir(path.parent)


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    return tmp


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
