"""The operator centre's core: every message from the fleet's broker goes into the store (alerts once each, by
alert id; statuses; command acknowledgements), every checkpoint alert past the ledger witness, and operators'
commands go out signed with the centre's operator key, logged with who sent them before they leave.

Messages arrive on (robot ids from the topic): fracturescope/<robot>/alerts/<kind>, .../status, .../command_ack,
.../telemetry (the edge alignment and thermal states for the plots, kept `telemetry_keep_s`).
No MQTT here (centre_link.py), no ROS: `handle` takes a topic and a payload, `send_command` hands its payload to
the `publish` it was given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
import json
import time

from fracturescope_common.operator_commands import COMMAND_CODES, CommandSigner
from fracturescope_uplink.alert_schema import decode
from fracturescope_uplink.command_gateway import commands_topic, encode_command
from fracturescope_uplink.telemetry import decode_telemetry

from fracturescope_operator.fleet_store import FleetStore
from fracturescope_operator.ledger_witness import STALE, STICKY, LedgerWitness, Witnessed

SUBSCRIPTIONS = ('fracturescope/+/alerts/+', 'fracturescope/+/status', 'fracturescope/+/command_ack',
                 'fracturescope/+/telemetry')
MAX_STATUS_BYTES = 16 * 1024
NS_PER_S = 1_000_000_000
FORGET_EVERY_S = 60.0   # how often telemetry past its retention is deleted [s]


class CentreError(ValueError):
    """A command the centre will not send (unknown robot or command)."""


class OperatorCentre:
    def __init__(self, store: FleetStore, witness: LedgerWitness, signer: CommandSigner | None = None,
                 publish: Callable[[str, bytes], None] | None = None,
                 clock_ns: Callable[[], int] = time.time_ns, telemetry_keep_s: float = 86_400.0) -> None:
        self.store, self.witness = store, witness
        self._signer, self._publish, self.clock_ns = signer, publish, clock_ns
        self.telemetry_keep_s = telemetry_keep_s
        self._telemetry_forgotten_ns = 0
        self.counts: Counter[str] = Counter()   # what handle() did, by outcome (refused_<why> for refusals)

    def handle(self, topic: str, payload: bytes) -> str:
        """Store one message from the broker; returns the outcome (also counted in `counts`)."""
        outcome = self._handle(topic, payload)
        self.counts[outcome] += 1
        return outcome

    def send_command(self, robot_id: str, operator: str, name: str, args: Sequence[float] = (),
                     target: str = '') -> int:
        """Sign `name` for `robot_id` on behalf of `operator` (logged first), publish it; its nonce."""
        if self._signer is None or self._publish is None:
            raise CentreError('this centre holds no operator key: it sends no commands')
        if name not in COMMAND_CODES:
            raise CentreError(f'unknown command {name!r}')
        if robot_id not in self.witness.robots:
            raise CentreError(f'{robot_id!r} is not a robot registered at this centre')
        command = self._signer.sign(COMMAND_CODES[name], args, target)
        self.store.log_command(robot_id, operator, name, command.nonce, self.clock_ns())
        self._publish(commands_topic(robot_id), encode_command(command))
        return command.nonce

    def _handle(self, topic: str, payload: bytes) -> str:
        parts = topic.split('/')
        if len(parts) < 3 or parts[0] != 'fracturescope' or not parts[1]:
            return 'refused_topic'
        robot_id, what = parts[1], parts[2:]
        now = self.clock_ns()
        if what[0] == 'alerts' and len(what) == 2:
            try:
                alert = decode(payload)
            except ValueError:
                return 'refused_malformed'
            if alert['robot_id'] != robot_id or alert['kind'] != what[1]:
                return 'refused_robot_mismatch'   # a robot may speak only for itself (and the broker's ACLs say so)
            if not self.store.add_alert(alert, now):
                return 'duplicate'
            if alert['kind'] == 'checkpoint':
                self._witness(robot_id, alert['details'])
            return 'alert'
        if what == ['telemetry']:
            try:
                telemetry = decode_telemetry(payload)
            except ValueError:
                return 'refused_malformed'
            if telemetry['robot_id'] != robot_id:
                return 'refused_robot_mismatch'
            self.store.add_telemetry(telemetry, now)
            if now - self._telemetry_forgotten_ns > FORGET_EVERY_S * NS_PER_S:
                self.store.forget_telemetry(now - int(self.telemetry_keep_s * NS_PER_S))
                self._telemetry_forgotten_ns = now
            return 'telemetry'
        if what == ['status'] or what == ['command_ack']:
            try:
                message = json.loads(payload) if len(payload) <= MAX_STATUS_BYTES else None
            except (UnicodeDecodeError, json.JSONDecodeError):
                message = None
            if not isinstance(message, dict):
                return 'refused_malformed'
            if what == ['status']:
                self.store.record_status(robot_id, message, now)
                sent = message.get('checkpoint_sent')
                robot = self.store.robot(robot_id)
                if isinstance(sent, dict) and robot is not None and sent.get('tree_size') != robot.witnessed_size:
                    self._witness(robot_id, sent)   # the last checkpoint alert made, for a centre that missed it
                return 'status'
            return 'ack' if self.store.record_ack(robot_id, message) else 'ack_unknown_command'
        return 'refused_topic'

    def _witness(self, robot_id: str, details: dict) -> None:
        robot = self.store.robot(robot_id)
        witnessed = Witnessed(robot.witnessed_size, robot.witnessed_root) if robot else Witnessed()
        verdict = self.witness.check(robot_id, details, witnessed)
        self.counts[f'witness_{verdict.state}'] += 1
        if verdict.state == STALE or (robot is not None and robot.witness_state in STICKY
                                      and verdict.state not in STICKY):
            return   # an older checkpoint changes nothing; a rewrite stays flagged until the robot is re-registered
        new = verdict.witnessed
        self.store.record_witness(robot_id, verdict.state, verdict.detail, new.tree_size if new else None,
                                  new.root_hash if new else None)
