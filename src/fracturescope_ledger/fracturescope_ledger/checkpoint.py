"""Ed25519-signed checkpoints: (tree size, Merkle root, time) statements about the ledger."""

from __future__ import annotations

from dataclasses import dataclass
import os
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fracturescope_common.keys import (
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    key_id,
    load_or_create_private_key,
    raw_public_key,
)

CHECKPOINT_DOMAIN = b"FSLEDGER-CHECKPOINT-v1\n"
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


def checkpoint_message(tree_size: int, root_hash: bytes, timestamp_ns: int) -> bytes:
    """Canonical signed bytes of a checkpoint (see README.md)."""
    if len(root_hash) != 32:
        raise ValueError(f"root hash has {len(root_hash)} bytes, expected 32")
    return CHECKPOINT_DOMAIN + _BODY.pack(tree_size, root_hash, timestamp_ns)


class CheckpointSigner:
    """Holds the ledger's Ed25519 private key and signs checkpoints with it."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = raw_public_key(private_key)

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str], create: bool = True) -> CheckpointSigner:
        """Load the ledger's key file, creating it (mode 0600) and ``<path>.pub`` if absent (see keys.py)."""
        return cls(load_or_create_private_key(path, create))

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, tree_size: int, root_hash: bytes, timestamp_ns: int) -> Checkpoint:
        message = checkpoint_message(tree_size, root_hash, timestamp_ns)
        return Checkpoint(tree_size, root_hash, timestamp_ns, self.public_key, self._key.sign(message))


def _json_int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    return value
