"""What the main job reports about the operator link: it plays the remote operator on the simulated graph's broker,
receives the robot's alerts and status there, sends one signed command back through the broker and sees the control
node obey it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
import json
import queue
import time
from typing import Any

from fracturescope_common.operator_commands import CommandSigner
from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_control.diagnostics_contract import CONTROL, OBEYED
from fracturescope_launch.launch_xml import NodeSpec
from fracturescope_testing.graph_monitor import GraphObservations
from fracturescope_testing.mqtt_broker import MqttEndpoint
from fracturescope_testing.mqtt_probe import MqttProbe, MqttProbeError
from fracturescope_uplink.alert_schema import decode
from fracturescope_uplink.command_gateway import commands_topic, sign_command
from fracturescope_uplink.diagnostics_contract import (
    ACKNOWLEDGED,
    ALERTS,
    CONNECTED,
    DROPPED,
    IN_FLIGHT,
    QUEUED,
    UPLINK,
)

from fracturescope_bringup.summary import Summary

COMMAND = 'set_standard'   # obeyed by the control node, and harmless: the standard it already follows


def node_parameters(node: NodeSpec) -> dict[str, Any]:
    """The parameters a launched node gets: its files, then its inline <param>s."""
    values: dict[str, Any] = {}
    for params in node.params:
        values.update(read_node_parameters(params, node.name) if isinstance(params, str) else params)
    return values


@dataclass
class OperatorSide:
    """The remote operator's MQTT client on the uplink's broker, as the uplink node's own parameters say."""

    robot_id: str
    probe: MqttProbe
    signer: CommandSigner
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)   # alert id -> alert
    deliveries: int = 0
    acks: list[dict[str, Any]] = field(default_factory=list)
    status: dict[str, Any] | None = None
    sent_at: float | None = None
    acked_after_s: float | None = None
    connected: bool = False

    @classmethod
    def of(cls, uplink: NodeSpec, signer: CommandSigner) -> OperatorSide:
        p = node_parameters(uplink)
        endpoint = MqttEndpoint(p['broker_host'], int(p['broker_port']), False, None, p['username'] or None,
                                p['password'] or None)
        return cls(p['robot_id'], MqttProbe(endpoint, 'main-job-operator'), signer)

    def try_connect(self) -> bool:
        """Connect and subscribe to the robot once the broker is up; False while it is not."""
        if not self.connected:
            try:
                self.connected = self.probe.connect(timeout_s=2.0).value == 0
            except (OSError, MqttProbeError):
                self.probe.disconnect()
                return False
            if self.connected:
                self.probe.subscribe(f'fracturescope/{self.robot_id}/#', qos=1)
        return self.connected

    def send_command(self, args: tuple[float, ...]) -> None:
        self.sent_at = time.time()
        self.probe.publish(commands_topic(self.robot_id), sign_command(self.signer, COMMAND, args, 'control'))

    def take(self) -> None:
        """Everything that arrived so far."""
        while True:
            try:
                message = self.probe.messages.get_nowait()
            except queue.Empty:
                return
            if '/alerts/' in message.topic:
                alert = decode(message.payload)
                self.alerts[alert['alert_id']] = alert
                self.deliveries += 1
            elif message.topic.endswith('/command_ack'):
                self.acks.append(json.loads(message.payload))
                if self.acked_after_s is None and self.sent_at is not None:
                    self.acked_after_s = message.wall_s - self.sent_at
            elif message.topic.endswith('/status'):
                self.status = json.loads(message.payload)

    def close(self) -> None:
        self.probe.disconnect()


def uplink_connected(observed: GraphObservations) -> bool:
    """The uplink says it is connected to the broker (so subscribed to its commands: MQTT drops a message that no
    subscriber takes, and the operator would wait for an answer in vain)."""
    return observed.reported(UPLINK) and observed.read(UPLINK)[CONNECTED]


def uplink_idle(observed: GraphObservations) -> bool:
    """Nothing queued or in flight in the uplink's outbox (its latest /diagnostics)."""
    if not observed.reported(UPLINK):
        return False
    reading = observed.read(UPLINK)
    return reading[QUEUED] == 0 and reading[IN_FLIGHT] == 0


def add_operator_link_rows(summary: Summary, observed: GraphObservations, operator: OperatorSide) -> None:
    """Skipped when the graph has no uplink (sim.launch.xml uplink:=false)."""
    if not observed.reported(UPLINK):
        return
    operator.take()
    uplink = observed.read(UPLINK)
    made = uplink.family(ALERTS)
    by_kind = Counter(a['kind'] for a in operator.alerts.values())
    received = len(operator.alerts)
    problem = None    # alerts the broker took before the operator subscribed are not the link's loss (MQTT)
    if uplink[QUEUED]:
        problem = f'operator link: {uplink[QUEUED]} alerts still queued in the outbox at the end'
    elif sum(made.values()) and not received:
        problem = 'operator link: no alert reached the operator'
    kinds = ', '.join(f'{kind} {n}' for kind, n in sorted(by_kind.items())) or 'none'
    summary.add('operator link', f'{received} alerts received by the operator through the broker since it subscribed '
                f'({kinds}; '
                f'{operator.deliveries - received} duplicate deliveries); uplink: {sum(made.values())} made, '
                f'{uplink[ACKNOWLEDGED]} acknowledged by the broker, {uplink[QUEUED]} queued, {uplink[DROPPED]} '
                f'dropped', problem, received=received, made=sum(made.values()), queued=uplink[QUEUED],
                acknowledged=uplink[ACKNOWLEDGED])
    forwarded = [a for a in operator.acks if a['accepted']]
    obeyed = observed.read(CONTROL)[OBEYED[COMMAND]] if observed.reported(CONTROL) else 0
    if operator.sent_at is None:
        summary.add('operator command', 'not sent (the broker never accepted the operator)',
                    'operator command: the operator could not connect to the broker')
        return
    acked = f'acknowledged "{forwarded[0]["reason"]}" after {operator.acked_after_s * 1e3:.0f} ms' if forwarded \
        else f'refused: {operator.acks[0]["reason"]}' if operator.acks else 'no acknowledgement'
    summary.add('operator command', f'{COMMAND} signed by the operator, sent through the broker: {acked}; the '
                f'control node obeyed {obeyed}', None if forwarded and obeyed else
                'operator command: not forwarded or not obeyed', forwarded=len(forwarded), obeyed=obeyed)
