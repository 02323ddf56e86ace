"""Signed operator commands: canonical bytes, Ed25519 signing, and the checks a receiver makes before obeying.

Canonical encoding (what the signature covers), every integer big-endian:

    b"FSOPCMD-v1\\n"                   domain separation: no other signed object of the project shares it
    u8   command                       OperatorCommand.command
    u32  n, then n x f64 (IEEE 754)   args
    u32  len, UTF-8 bytes              target
    u32  len, UTF-8 bytes              issuer
    i64  issued_at, ns since the epoch issued_at.sec * 1e9 + issued_at.nanosec
    u64  nonce

The signature field itself is the only field left out. A receiver obeys a command only when (in this order)
it is signed, its issuer is listed with a trusted key, the signature verifies with that key, it is neither older
than ``max_age_s`` nor more than ``max_future_s`` ahead of the receiver's clock, and its (issuer, nonce) was not
seen before. Nonces are remembered for as long as a command carrying them could still pass the freshness check,
and at most ``max_remembered`` of them: beyond that, new commands are refused (fail closed) until old ones expire.
A receiver that restarts must not forget them (a captured command would be obeyed again): with a used-nonce file
(used_nonces.py) they survive the restart; without one, commands issued before the receiver started are refused.

Trusted keys come from config as ``issuer:key`` strings, where key is either 64 hex digits (raw Ed25519 public
key) or the path of a ``.pub`` hex file or PEM public key (see keys.py). No ROS here: the receiving node converts
its message with ``fields_of`` (any object with the OperatorCommand attributes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
import heapq
import math
import os
import secrets
import struct
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fracturescope_common.keys import (
    SIGNATURE_SIZE,
    load_or_create_private_key,
    load_public_key,
    public_key_from_hex,
)
from fracturescope_common.used_nonces import UsedNonce, UsedNonceFile

DOMAIN = b'FSOPCMD-v1\n'
NS_PER_S = 1_000_000_000

# OperatorCommand.command values (the msg's constants; repeated here so this module needs no ROS).
STOP, RESUME, INSPECT_AGAIN, ESTOP, MANUAL, SET_STANDARD = range(6)
COMMAND_NAMES = {STOP: 'stop', RESUME: 'resume', INSPECT_AGAIN: 'inspect_again', ESTOP: 'estop',
                 MANUAL: 'manual', SET_STANDARD: 'set_standard'}
COMMAND_CODES = {name: code for code, name in COMMAND_NAMES.items()}



class Rejection(StrEnum):
    """Why a command is refused; the receiver's /diagnostics counts each (rejected_<reason>)."""

    UNSIGNED = 'unsigned'
    UNKNOWN_ISSUER = 'unknown_issuer'
    BAD_SIGNATURE = 'bad_signature'
    EXPIRED = 'expired'
    FROM_FUTURE = 'from_future'
    REPLAYED = 'replayed'
    TOO_MANY = 'too_many_recent'
    BEFORE_START = 'issued_before_start'
    NOT_RECORDED = 'nonce_not_recorded'


@dataclass(frozen=True)
class CommandFields:
    """The fields of an OperatorCommand, stamp in integer nanoseconds."""

    command: int
    args: tuple[float, ...]
    target: str
    issuer: str
    issued_at_ns: int
    nonce: int
    signature: bytes = b''

    @property
    def name(self) -> str:
        return COMMAND_NAMES.get(self.command, f'command {self.command}')


def fields_of(msg: object) -> CommandFields:
    """CommandFields of an OperatorCommand message (or anything with the same attributes)."""
    stamp = msg.issued_at
    return CommandFields(int(msg.command), tuple(float(a) for a in msg.args), str(msg.target), str(msg.issuer),
                         int(stamp.sec) * NS_PER_S + int(stamp.nanosec), int(msg.nonce), bytes(msg.signature))


def fill_message(fields: CommandFields, msg: Any) -> Any:
    """Fill an OperatorCommand message with `fields` (the inverse of fields_of; signature unchanged)."""
    msg.command, msg.args, msg.target, msg.issuer = fields.command, list(fields.args), fields.target, fields.issuer
    msg.nonce, msg.signature = fields.nonce, list(fields.signature)
    msg.issued_at.sec, msg.issued_at.nanosec = divmod(fields.issued_at_ns, NS_PER_S)
    return msg


def canonical_bytes(fields: CommandFields) -> bytes:
    """The bytes the signature covers (module docstring); raises ValueError for a field out of its range."""
    target, issuer = fields.target.encode(), fields.issuer.encode()
    try:
        return b''.join((
            DOMAIN,
            struct.pack('>BI', fields.command, len(fields.args)),
            struct.pack(f'>{len(fields.args)}d', *fields.args),
            struct.pack('>I', len(target)), target,
            struct.pack('>I', len(issuer)), issuer,
            struct.pack('>qQ', fields.issued_at_ns, fields.nonce),
        ))
    except struct.error as error:
        raise ValueError(f'operator command field out of range: {error}') from error


class CommandSigner:
    """An operator's private key: makes signed commands (teleop CLI, uplink)."""

    def __init__(self, private_key: Ed25519PrivateKey, issuer: str) -> None:
        self._key = private_key
        self.issuer = issuer

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str], issuer: str, create: bool = False) -> CommandSigner:
        return cls(load_or_create_private_key(path, create), issuer)

    def sign(self, command: int, args: Iterable[float] = (), target: str = '', issued_at_ns: int | None = None,
             nonce: int | None = None) -> CommandFields:
        unsigned = CommandFields(
            command, tuple(float(a) for a in args), target, self.issuer,
            time.time_ns() if issued_at_ns is None else issued_at_ns,
            secrets.randbits(64) if nonce is None else nonce,
        )
        return replace(unsigned, signature=self._key.sign(canonical_bytes(unsigned)))


def parse_trusted_keys(entries: Iterable[str]) -> dict[str, bytes]:
    """``issuer:key`` config entries (key: 64 hex digits or a key file path) -> issuer -> raw public key."""
    trusted: dict[str, bytes] = {}
    for entry in entries:
        issuer, sep, key = entry.partition(':')
        if not sep or not issuer or not key:
            raise ValueError(f"trusted key entry {entry!r} is not 'issuer:key'")
        if issuer in trusted:
            raise ValueError(f'issuer {issuer!r} listed twice among the trusted keys')
        is_hex = len(key) == 64 and all(c in '0123456789abcdefABCDEF' for c in key)
        trusted[issuer] = public_key_from_hex(key, f'key of {issuer}') if is_hex else load_public_key(key)
    return trusted


def load_trusted_keys(entries: Iterable[str]) -> tuple[dict[str, bytes], list[str]]:
    """Like parse_trusted_keys, but an entry whose key file cannot be read is left out and reported: a receiver
    without its operator key keeps running and refuses that operator's commands (fail closed)."""
    trusted: dict[str, bytes] = {}
    unreadable: list[str] = []
    for entry in entries:
        try:
            keys = parse_trusted_keys([entry])
        except OSError as error:
            unreadable.append(f'{entry.partition(":")[0]}: {error}')
            continue
        if keys.keys() & trusted.keys():
            raise ValueError(f'issuer {next(iter(keys))!r} listed twice among the trusted keys')
        trusted.update(keys)
    return trusted, unreadable


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: Rejection | None  # when refused
    detail: str


class CommandVerifier:
    """Decides whether a received command is obeyed (module docstring); remembers accepted nonces."""

    def __init__(self, trusted: Mapping[str, bytes], max_age_s: float, max_future_s: float,
                 max_remembered: int, clock_ns: Callable[[], int] = time.time_ns,
                 used_nonces: UsedNonceFile | None = None) -> None:
        if not (max_age_s > 0 and max_future_s >= 0 and max_remembered > 0):
            raise ValueError('freshness window and nonce memory must be positive')
        self._keys = {issuer: Ed25519PublicKey.from_public_bytes(raw) for issuer, raw in trusted.items()}
        self._max_age_ns = round(max_age_s * NS_PER_S)
        self._max_future_ns = round(max_future_s * NS_PER_S)
        self._max_remembered = max_remembered
        self._clock_ns = clock_ns
        self._seen: set[tuple[str, int]] = set()  # (issuer, nonce) of accepted commands still fresh
        self._expiry: list[tuple[int, str, int]] = []  # heap of (forget after ns, issuer, nonce)
        self._used_nonces = used_nonces
        self._started_ns = clock_ns()
        for used in used_nonces.load(self._started_ns) if used_nonces else ():
            self._seen.add((used.issuer, used.nonce))
            heapq.heappush(self._expiry, (used.expires_ns, used.issuer, used.nonce))

    @property
    def issuers(self) -> list[str]:
        return sorted(self._keys)

    @property
    def remembered(self) -> int:
        return len(self._seen)

    def check(self, fields: CommandFields) -> Verdict:
        """Accept (and remember the nonce) or say why not. Never raises for any field values."""
        if not fields.signature:
            return Verdict(False, Rejection.UNSIGNED, f'{fields.name} from {fields.issuer!r} carries no signature')
        key = self._keys.get(fields.issuer)
        if key is None:
            return Verdict(False, Rejection.UNKNOWN_ISSUER,
                           f'issuer {fields.issuer!r} is not among the trusted keys')
        try:
            if len(fields.signature) != SIGNATURE_SIZE:
                raise InvalidSignature
            key.verify(fields.signature, canonical_bytes(fields))
        except (InvalidSignature, ValueError):
            return Verdict(False, Rejection.BAD_SIGNATURE,
                           f'{fields.name} from {fields.issuer!r}: signature does not verify')
        now = self._clock_ns()
        age_ns = now - fields.issued_at_ns
        if age_ns > self._max_age_ns:
            return Verdict(False, Rejection.EXPIRED,
                           f'{fields.name} from {fields.issuer!r} issued {age_ns / NS_PER_S:.1f} s '
                           f'ago (max {self._max_age_ns / NS_PER_S:g} s)')
        if -age_ns > self._max_future_ns:
            return Verdict(False, Rejection.FROM_FUTURE,
                           f'{fields.name} from {fields.issuer!r} issued {-age_ns / NS_PER_S:.1f}'
                           f' s in the future (max clock skew {self._max_future_ns / NS_PER_S:g} s)')
        if self._used_nonces is None and fields.issued_at_ns < self._started_ns:
            return Verdict(False, Rejection.BEFORE_START, f'{fields.name} from {fields.issuer!r} was issued before '
                           'this receiver started, and it keeps no used-nonce file to tell a replay from a first '
                           'delivery')
        self._forget_expired(now)
        key_seen = (fields.issuer, fields.nonce)
        if key_seen in self._seen:
            return Verdict(False, Rejection.REPLAYED,
                           f'{fields.name} from {fields.issuer!r}: nonce {fields.nonce} already used')
        if len(self._seen) >= self._max_remembered:
            return Verdict(False, Rejection.TOO_MANY,
                           f'more than {self._max_remembered} commands within the freshness window')
        # Remembered until it would fail the age check anyway; on disk first, so a crash cannot forget it.
        expires_ns = fields.issued_at_ns + self._max_age_ns
        if self._used_nonces is not None:
            try:
                self._used_nonces.record(UsedNonce(expires_ns, *key_seen))
            except OSError as error:
                return Verdict(False, Rejection.NOT_RECORDED, f'{fields.name} from {fields.issuer!r}: its nonce '
                               f'could not be recorded ({error}), so it is not obeyed')
        self._seen.add(key_seen)
        heapq.heappush(self._expiry, (expires_ns, *key_seen))
        return Verdict(True, None, f'{fields.name} from {fields.issuer!r}')

    def _forget_expired(self, now_ns: int) -> None:
        while self._expiry and self._expiry[0][0] < now_ns:
            _, issuer, nonce = heapq.heappop(self._expiry)
            self._seen.discard((issuer, nonce))


def finite_args(fields: CommandFields, count: int) -> tuple[float, ...] | None:
    """The command's first `count` arguments when it has exactly that many and all are finite, else None."""
    if len(fields.args) != count or not all(math.isfinite(a) for a in fields.args):
        return None
    return fields.args
