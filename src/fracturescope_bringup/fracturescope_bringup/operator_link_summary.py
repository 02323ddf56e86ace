"""What the main job reports about the operator link: it plays the remote operator on the simulated graph's broker,
receives the robot's alerts and status there, sends signed commands back through the broker, sees the control node
obey one and the defect detector answer an "inspect again" with a fresh alert."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
import json
import queue
import time
from typing import Any

from fracturescope_common.operator_commands import CommandSigner
from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_control.diagnostics_contract import CONTROL, OBEYED
from fracturescope_launch.launch_xml import NodeSpec
from fracturescope_perception.diagnostics_contract import DEFECT_DETECTOR, REINSPECTIONS_WAITING
from fracturescope_sim.diagnostics_contract import PUBLISHED, SURFACE_CAMERA
from fracturescope_testing.graph_monitor import GraphObservations
from fracturescope_testing.mqtt_broker import MqttEndpoint
from fracturescope_testing.mqtt_probe import MqttProbe, MqttProbeError
from fracturescope_uplink.alert_schema import decode
from fracturescope_uplink.command_gateway import commands_topic, decode_command, sign_command
from fracturescope_uplink.diagnostics_contract import (
    ACKNOWLEDGED,
    ALERTS,
    COMMAND_RECEIVERS,
    CONNECTED,
    DROPPED,
    IN_FLIGHT,
    QUEUED,
    UPLINK,
)
from rclpy.node import Node

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
    command_nonce: int | None = None
    inspect_nonce: int | None = None
    answered_after_s: float | None = None

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

    def send_commands(self, standard: tuple[float, ...]) -> None:
        """COMMAND to the control node, and "inspect again" to perception."""
        self.sent_at = time.time()
        command = sign_command(self.signer, COMMAND, standard, 'control')
        self.command_nonce = decode_command(command).nonce
        self.probe.publish(commands_topic(self.robot_id), command)
        inspect = sign_command(self.signer, 'inspect_again', target='perception')
        self.inspect_nonce = decode_command(inspect).nonce
        self.probe.publish(commands_topic(self.robot_id), inspect)

    @property
    def answer(self) -> dict[str, Any] | None:
        """The defect alert that answers the inspect-again request."""
        if self.inspect_nonce is None:
            return None
        return next((a for a in self.alerts.values() if a['kind'] == 'defect' and
                     a['details'].get('request', {}).get('nonce') == self.inspect_nonce), None)

    def all_answered(self, observed: GraphObservations, pairs: int) -> bool:
        """Both commands acknowledged and the inspection answered or waiting at the detector after the run's last
        camera pair (or nothing sent)."""
        self.take()
        return self.sent_at is None or (len(self.acks) >= 2 and (self.answer is not None
                                                                 or inspection_after_last_pair(observed, pairs)))

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
                if self.answered_after_s is None and self.answer is not None:
                    self.answered_after_s = message.wall_s - self.sent_at
            elif message.topic.endswith('/command_ack'):
                self.acks.append(json.loads(message.payload))
                if self.acks[-1]['nonce'] == self.command_nonce:
                    self.acked_after_s = message.wall_s - self.sent_at
            elif message.topic.endswith('/status'):
                self.status = json.loads(message.payload)

    def close(self) -> None:
        self.probe.disconnect()


def uplink_connected(observed: GraphObservations) -> bool:
    """The uplink says it is connected to the broker (so subscribed to its commands: MQTT drops a message that no
    subscriber takes, and the operator would wait for an answer in vain)."""
    return observed.reported(UPLINK) and observed.read(UPLINK)[CONNECTED]


def command_receivers_listen(node: Node, observed: GraphObservations, receivers: Collection[str]) -> bool:
    """Every node of `receivers` subscribes to operator/command, as this node's discovery sees it, and the uplink's
    writer has matched every subscription this node sees (its /diagnostics; recorders and bridges count too): the
    uplink forwards a command once, and a volatile subscription that matches later never gets it."""
    listening = [info.node_name for info in node.get_subscriptions_info_by_topic('operator/command')]
    return set(receivers) <= set(listening) and observed.reported(UPLINK) and \
        observed.read(UPLINK)[COMMAND_RECEIVERS] >= len(listening)


def inspection_after_last_pair(observed: GraphObservations, pairs: int) -> bool:
    """The detector holds the inspect-again request and the simulated cameras have published all `pairs`: no pair
    will come to answer it in this run (a run so short, or a start so slow, that the request came late)."""
    if not (observed.reported(DEFECT_DETECTOR) and observed.reported(SURFACE_CAMERA)):
        return False
    return observed.read(DEFECT_DETECTOR)[REINSPECTIONS_WAITING] > 0 and \
        observed.read(SURFACE_CAMERA)[PUBLISHED] >= pairs


def uplink_idle(observed: GraphObservations) -> bool:
    """Nothing queued or in flight in the uplink's outbox (its latest /diagnostics)."""
    if not observed.reported(UPLINK):
        return False
    reading = observed.read(UPLINK)
    return reading[QUEUED] == 0 and reading[IN_FLIGHT] == 0


def add_operator_link_rows(summary: Summary, observed: GraphObservations, operator: OperatorSide,
                           pairs: int, drained: bool) -> None:
    """Skipped when the graph has no uplink (sim.launch.xml uplink:=false). `drained`: the outbox was seen empty
    after the run (a checkpoint alert made after that, every few seconds, may show as queued at the very end: it is
    kept on disk for the next start, not lost)."""
    if not observed.reported(UPLINK):
        return
    operator.take()
    uplink = observed.read(UPLINK)
    made = uplink.family(ALERTS)
    by_kind = Counter(a['kind'] for a in operator.alerts.values())
    received = len(operator.alerts)
    problem = None    # alerts the broker took before the operator subscribed are not the link's loss (MQTT)
    if not drained:
        problem = f'operator link: the outbox did not empty after the run ({uplink[QUEUED]} alerts queued)'
    elif sum(made.values()) and not received:
        problem = 'operator link: no alert reached the operator'
    kinds = ', '.join(f'{kind} {n}' for kind, n in sorted(by_kind.items())) or 'none'
    summary.add('operator link', f'{received} alerts received by the operator through the broker since it subscribed '
                f'({kinds}; '
                f'{operator.deliveries - received} duplicate deliveries); uplink: {sum(made.values())} made, '
                f'{uplink[ACKNOWLEDGED]} acknowledged by the broker, {uplink[QUEUED]} queued, {uplink[DROPPED]} '
                f'dropped', problem, received=received, made=sum(made.values()), queued=uplink[QUEUED],
                acknowledged=uplink[ACKNOWLEDGED], drained=drained)
    acks = [a for a in operator.acks if a['nonce'] == operator.command_nonce]
    forwarded = [a for a in acks if a['accepted']]
    obeyed = observed.read(CONTROL)[OBEYED[COMMAND]] if observed.reported(CONTROL) else 0
    if operator.sent_at is None:
        summary.add('operator command', 'not sent (the broker never accepted the operator)',
                    'operator command: the operator could not connect to the broker')
        return
    acked = f'acknowledged "{forwarded[0]["reason"]}" after {operator.acked_after_s * 1e3:.0f} ms' if forwarded \
        else f'refused: {acks[0]["reason"]}' if acks else 'no acknowledgement'
    summary.add('operator command', f'{COMMAND} signed by the operator, sent through the broker: {acked}; the '
                f'control node obeyed {obeyed}', None if forwarded and obeyed else
                'operator command: not forwarded or not obeyed', forwarded=len(forwarded), obeyed=obeyed)
    add_inspect_again_row(summary, observed, operator, pairs)


def add_inspect_again_row(summary: Summary, observed: GraphObservations, operator: OperatorSide,
                          pairs: int) -> None:
    answer = operator.answer
    if answer is None and inspection_after_last_pair(observed, pairs):
        summary.add('operator inspect again', 'inspect_again signed by the operator: received by the defect detector '
                    'after the run\'s last camera pair; it waits for the next one', None, answered=0, waiting=1)
        return
    if answer is None:
        summary.add('operator inspect again', 'inspect_again signed by the operator, sent through the broker: no '
                    'answer', 'operator inspect again: the detector\'s answer did not reach the operator', answered=0)
        return
    thumbnail = answer.get('thumbnail') or {}
    summary.add('operator inspect again', f'inspect_again signed by the operator: answered by the defect detector '
                f'after {operator.answered_after_s * 1e3:.0f} ms, "{answer["label"]}" '
                f'({answer["confidence"]:.2f}) with {len(answer["details"]["regions"])} regions, ledger block '
                f'{answer["ledger"]["index"]}, thumbnail {len(thumbnail.get("jpeg_base64", "")) * 3 // 4} B',
                None, answered=1)
