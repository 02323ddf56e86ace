"""Operator commands over MQTT: `fracturescope/<robot_id>/commands` carries the same signed command as the ROS
`OperatorCommand` (fracturescope_common.operator_commands: Ed25519 over its canonical bytes, trusted issuer, expiry,
nonce), as JSON; each one is answered on `fracturescope/<robot_id>/command_ack`.

Command `fracturescope.command/1`: {"schema", "command": "stop" | "resume" | "inspect_again" | "estop" | "manual" |
"set_standard", "args": [numbers], "target": "" | "control" | "perception", "issuer", "issued_at_ns", "nonce" (0 ..
2^64-1), "signature": 128 hex digits}.
Ack `fracturescope.command_ack/1`: {"schema", "robot_id", "issuer", "nonce" (null when unreadable), "accepted",
"reason" ("forwarded" or why refused), "detail", "utc"}.

The uplink checks a command before it forwards it (so a forged one never reaches the robot's topics, and the operator
learns why it was refused); the receiving node checks it again with its own keys and nonces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import math
from typing import Any

from fracturescope_common.operator_commands import (
    COMMAND_CODES,
    COMMAND_NAMES,
    CommandFields,
    CommandSigner,
    CommandVerifier,
)

from fracturescope_uplink.alert_schema import json_object

SCHEMA = 'fracturescope.command/1'
ACK_SCHEMA = 'fracturescope.command_ack/1'
MAX_COMMAND_BYTES = 4096
MAX_ARGS = 8
MAX_TEXT = 64
MALFORMED = 'malformed'
FORWARDED = 'forwarded'


class MalformedCommandError(ValueError):
    """The payload is no readable command; `nonce` is set when it could be read (for the ack)."""

    def __init__(self, detail: str, issuer: str = '', nonce: int | None = None) -> None:
        super().__init__(detail)
        self.issuer, self.nonce = issuer, nonce


def commands_topic(robot_id: str) -> str:
    return f'fracturescope/{robot_id}/commands'


def command_ack_topic(robot_id: str) -> str:
    return f'fracturescope/{robot_id}/command_ack'


def encode_command(fields: CommandFields) -> bytes:
    """A signed command as the operator's side sends it."""
    return json.dumps({'schema': SCHEMA, 'command': COMMAND_NAMES[fields.command], 'args': list(fields.args),
                       'target': fields.target, 'issuer': fields.issuer, 'issued_at_ns': fields.issued_at_ns,
                       'nonce': fields.nonce, 'signature': fields.signature.hex()}, separators=(',', ':')).encode()


def sign_command(signer: CommandSigner, name: str, args: tuple[float, ...] = (), target: str = '') -> bytes:
    """Sign and encode one command by name (operator tools, tests, the main job)."""
    return encode_command(signer.sign(COMMAND_CODES[name], args, target))


def decode_command(payload: bytes) -> CommandFields:
    """The command in an MQTT payload; MalformedCommandError says what is wrong. Signature and freshness are not checked
    here (CommandVerifier does)."""
    try:
        data = json_object(payload, MAX_COMMAND_BYTES)
    except ValueError as error:
        raise MalformedCommandError(str(error)) from error
    issuer = data.get('issuer') if isinstance(data.get('issuer'), str) else ''
    nonce = data.get('nonce')
    nonce = nonce if isinstance(nonce, int) and not isinstance(nonce, bool) and 0 <= nonce < 2 ** 64 else None

    def bad(detail: str) -> MalformedCommandError:
        return MalformedCommandError(detail, issuer, nonce)

    if data.get('schema') != SCHEMA:
        raise bad(f'schema is not {SCHEMA}')
    if data.get('command') not in COMMAND_CODES:
        raise bad(f'unknown command {data.get("command")!r}')
    args = data.get('args', [])
    if (not isinstance(args, list) or len(args) > MAX_ARGS
            or not all(isinstance(a, int | float) and not isinstance(a, bool) and math.isfinite(a) for a in args)):
        raise bad(f'args must be at most {MAX_ARGS} finite numbers')
    target = data.get('target', '')
    for name, text in (('target', target), ('issuer', data.get('issuer'))):
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise bad(f'{name} must be text of at most {MAX_TEXT} characters')
    issued_at = data.get('issued_at_ns')
    if not isinstance(issued_at, int) or isinstance(issued_at, bool) or not -2 ** 63 <= issued_at < 2 ** 63:
        raise bad('issued_at_ns must be an integer (ns since the epoch)')
    if nonce is None:
        raise bad('nonce must be an integer 0 .. 2^64-1')
    signature = data.get('signature', '')
    try:
        signature = bytes.fromhex(signature) if isinstance(signature, str) else None
    except ValueError:
        signature = None
    if signature is None:
        raise bad('signature must be hex')
    return CommandFields(COMMAND_CODES[data['command']], tuple(float(a) for a in args), target, issuer, issued_at,
                         nonce, signature)


@dataclass(frozen=True)
class GatewayResult:
    command: CommandFields | None   # to forward on operator/command; None when refused
    reason: str                     # FORWARDED, MALFORMED or a Rejection value
    ack: bytes


class CommandGateway:
    """MQTT payload -> verified command + its ack."""

    def __init__(self, robot_id: str, verifier: CommandVerifier,
                 utc_now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.robot_id, self._verifier, self._utc_now = robot_id, verifier, utc_now

    def handle(self, payload: bytes) -> GatewayResult:
        try:
            command = decode_command(payload)
        except MalformedCommandError as error:
            return GatewayResult(None, MALFORMED, self._ack(error.issuer, error.nonce, MALFORMED, str(error)))
        verdict = self._verifier.check(command)
        if not verdict.accepted:
            return GatewayResult(None, str(verdict.reason),
                                 self._ack(command.issuer, command.nonce, str(verdict.reason), verdict.detail))
        return GatewayResult(command, FORWARDED, self._ack(command.issuer, command.nonce, FORWARDED,
                                                           f'{command.name} forwarded to operator/command'))

    def _ack(self, issuer: str, nonce: int | None, reason: str, detail: str) -> bytes:
        ack: dict[str, Any] = {'schema': ACK_SCHEMA, 'robot_id': self.robot_id, 'issuer': issuer, 'nonce': nonce,
                               'accepted': reason == FORWARDED, 'reason': reason, 'detail': detail[:200],
                               'utc': self._utc_now().isoformat(timespec='milliseconds')}
        return json.dumps(ack, separators=(',', ':')).encode()
