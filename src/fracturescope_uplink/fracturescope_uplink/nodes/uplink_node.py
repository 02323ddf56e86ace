"""Uplink node: findings, Edge-Eye loss, control modes and ledger checkpoints become alerts in a durable outbox and go
to the operator's MQTT broker; signed operator commands come back to operator/command (uplink.py, outbox.py,
mqtt_link.py, command_gateway.py)."""

from collections.abc import Callable
import time

from fracturescope_common.command_receiver import command_verifier
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.health import Health, Level
from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION
from fracturescope_common.node_main import run_node
from fracturescope_common.operator_commands import fill_message
from fracturescope_common.params import declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import LATCHED_STATE, OBSERVER_STREAM, RECORDING, RELIABLE_EVENTS
from rclpy.node import Node
from sensor_msgs.msg import Image

from fracturescope_msgs.msg import (
    DefectDetection,
    EdgeMeasurement,
    LedgerBlock,
    LedgerCheckpoint,
    OperatorCommand,
    RollCommand,
    ThermalAssessment,
)
from fracturescope_msgs.srv import GetConsistencyProof
from fracturescope_uplink import diagnostics_contract as dc
from fracturescope_uplink import messages as m
from fracturescope_uplink.bandwidth import ByteBudget
from fracturescope_uplink.command_gateway import FORWARDED, CommandGateway
from fracturescope_uplink.mqtt_link import MqttLink
from fracturescope_uplink.nodes.uplink_parameters import PARAMETERS, broker_settings, uplink_settings
from fracturescope_uplink.outbox import AddResult, Outbox, OutboxError
from fracturescope_uplink.telemetry import TelemetryWindow, encode_telemetry
from fracturescope_uplink.uplink import Uplink, status_summary

CHECKPOINT_CHECK_S = 0.5   # how often a checkpoint held back by checkpoint_period_s is looked at [s]

class UplinkNode(Node):
    def __init__(self) -> None:
        super().__init__(dc.UPLINK.node)
        self._p = p = declare_parameters(self, PARAMETERS)
        self._health = Health(dc.UPLINK.counters)
        self._uplink = Uplink(uplink_settings(p), Outbox(p.outbox_path, p.outbox_max_alerts, p.outbox_max_bytes))
        self._gateway = CommandGateway(p.robot_id, command_verifier(p, self.get_logger().error))
        self._commands = self.create_publisher(OperatorCommand, 'operator/command', RELIABLE_EVENTS)
        self._link = MqttLink(broker_settings(p), p.robot_id, self._uplink.outbox,
                              ByteBudget(p.bandwidth_bytes_per_s, p.bandwidth_burst_s, time.monotonic()),
                              max_in_flight=p.max_in_flight, thumbnail_backlog=p.thumbnail_backlog,
                              on_command=self._on_command, on_error=self._on_link_error)
        self.create_subscription(DefectDetection, 'defects', self._on_defect, RECORDING)
        self.create_subscription(ThermalAssessment, 'thermal_monitor/assessment', self._on_thermal, RECORDING)
        self.create_subscription(EdgeMeasurement, 'edges', self._on_edges, OBSERVER_STREAM)
        self.create_subscription(RollCommand, 'roll_command', self._on_roll_command, RELIABLE_EVENTS)
        self.create_subscription(LedgerCheckpoint, 'ledger/checkpoint', self._on_checkpoint, LATCHED_STATE)
        self._proofs = self.create_client(GetConsistencyProof, 'ledger/consistency_proof')
        self.create_subscription(LedgerBlock, 'ledger/blocks', self._on_block, OBSERVER_STREAM)
        if p.thumbnail_topic:
            self.create_subscription(Image, p.thumbnail_topic, self._on_image, IMAGE_SUBSCRIPTION)
        self.create_timer(p.pump_period_s, self._pump)
        self.create_timer(p.status_period_s, self._publish_status)
        self._telemetry = TelemetryWindow(p.robot_id)
        if p.telemetry_period_s > 0:
            self.create_timer(p.telemetry_period_s, self._publish_telemetry)
        self.create_timer(CHECKPOINT_CHECK_S, self._send_checkpoint)
        self._diagnostics = DiagnosticsReporter(self, dc.UPLINK, self._health, self._values, self._state,
                                                p.diagnostics_period_s)
        self._link.start()
        self.get_logger().info(f'uplink {p.robot_id} -> {self._broker()}, outbox {p.outbox_path} '
                               f'({self._uplink.outbox.stats().queued} queued)')

    def _store(self, make: Callable[..., AddResult | bool | None], *args: object) -> None:
        """Run one Uplink call that may store or release an alert; count and report what happened, then send what
        it made ready (most messages, an edge measurement at 30 Hz, make nothing: the pump timer covers the rest)."""
        try:
            result = make(*args)
        except OutboxError as error:
            self._health.problem(dc.OUTBOX_ERROR, str(error), Level.ERROR)
            self.get_logger().error(str(error), throttle_duration_sec=5.0)
            return
        if isinstance(result, AddResult) and result.full:
            self._health.problem(dc.OUTBOX_FULL, f'outbox full: {result.full} (counted per kind in the outbox)',
                                 Level.ERROR, n=len(result.dropped_alerts) + (not result.accepted))
            self.get_logger().error(f'outbox full: {result.full}', throttle_duration_sec=5.0)
        if result and not (isinstance(result, AddResult) and result.duplicate):
            self._link.pump()   # an alert stored, or one got the block or frame it waited for

    def _on_defect(self, msg: DefectDetection) -> None:
        self._store(self._uplink.defect, m.defect_observation(msg), time.monotonic())

    def _on_thermal(self, msg: ThermalAssessment) -> None:
        self._telemetry.thermal(*m.thermal_sample(msg))
        self._store(self._uplink.thermal, m.thermal_observation(msg), time.monotonic())

    def _on_edges(self, msg: EdgeMeasurement) -> None:
        status = m.EDGE_STATUS.get(msg.status, str(msg.status))
        self._telemetry.edge_status(status)
        self._store(self._uplink.edges, msg.status in m.USABLE_EDGE, status, m.stamp_ns(msg.header.stamp),
                    time.monotonic())

    def _on_roll_command(self, msg: RollCommand) -> None:
        mode, stamp = m.CONTROL_MODE.get(msg.mode, str(msg.mode)), m.stamp_ns(msg.header.stamp)
        self._telemetry.roll_command(mode, msg.error_left_mm, msg.error_right_mm, msg.f_left_hz, msg.f_right_hz, stamp)
        self._store(self._uplink.control, mode, msg.controller, msg.f_left_hz, msg.f_right_hz, stamp)

    def _on_checkpoint(self, msg: LedgerCheckpoint) -> None:
        self._uplink.note_checkpoint(m.checkpoint_fields(msg), m.stamp_ns(msg.timestamp))

    def _send_checkpoint(self) -> None:
        """The newest checkpoint, once per period, with the proof that it extends the last one sent."""
        due = self._uplink.checkpoint_to_send(time.monotonic())
        if due is None:
            return
        checkpoint, stamp, first = due
        if first == 0 or not self._proofs.service_is_ready():   # the first one sent, or no ledger to ask
            self._store(self._uplink.checkpoint_alert, checkpoint, stamp, None)
            return
        request = GetConsistencyProof.Request(first_size=first, second_size=checkpoint['tree_size'])
        self._proofs.call_async(request).add_done_callback(lambda done: self._store(
            self._uplink.checkpoint_alert, checkpoint, stamp, m.consistency(done.result(), first)))

    def _on_block(self, msg: LedgerBlock) -> None:
        self._store(self._uplink.ledger_block, *m.block_key(msg), msg.index, msg.hash)

    def _on_image(self, msg: Image) -> None:
        if not self._uplink.wants_image(m.stamp_ns(msg.header.stamp)):
            return   # most frames: no alert waits for them
        try:
            bgr = m.thumbnail_source(msg)
        except ValueError as error:
            self.get_logger().warning(f'{self._p.thumbnail_topic}: no thumbnail: {error}', throttle_duration_sec=5.0)
            return
        self._store(self._uplink.frame_image, m.stamp_ns(msg.header.stamp), bgr, time.monotonic())

    def _on_command(self, payload: bytes) -> bytes:
        """On paho's thread: verify, forward, and answer."""
        result = self._gateway.handle(payload)
        if result.reason == FORWARDED:
            msg = fill_message(result.command, OperatorCommand())
            if publish_or_report(self._commands, msg, self._health, self.get_logger()):
                self._health.count(dc.FORWARDED)
                self.get_logger().info(f'{msg.issuer}: {result.command.name} forwarded to operator/command')
        else:
            self._health.problem(dc.COMMAND_REFUSED[result.reason], f'MQTT command refused: {result.reason}')
            self.get_logger().warning(f'MQTT command refused ({result.reason})', throttle_duration_sec=1.0)
        return result.ack

    def _on_link_error(self, message: str) -> None:
        self._health.problem(dc.LINK_ERROR, message, Level.WARN)
        self.get_logger().warning(message, throttle_duration_sec=5.0)

    def _pump(self) -> None:
        self._uplink.forget_overdue(time.monotonic())
        self._link.pump()

    def _publish_status(self) -> None:
        self._link.publish_status(status_summary(self._uplink, self._link.counters, self._link.connected,
                                                 self._link.in_flight))

    def _publish_telemetry(self) -> None:
        summary = self._telemetry.take(self._p.telemetry_period_s)
        if summary is not None:
            self._link.publish_telemetry(encode_telemetry(summary))

    def _broker(self) -> str:
        return f'{"mqtts" if self._p.tls_ca_file else "mqtt"}://{self._p.broker_host}:{self._p.broker_port}'

    def _state(self) -> str:
        queued = self._uplink.outbox.stats().queued
        return f'{"connected to" if self._link.connected else "NOT connected to"} {self._broker()}, {queued} queued'

    def _values(self) -> dict:
        return dc.uplink_values(self._broker(), self._link.connected, self._link.in_flight, self._link.counters,
                                self._uplink.outbox.stats(), self._uplink.suppressed_repeats,
                                self._uplink.alerts_made, self._commands.get_subscription_count())

    def destroy_node(self) -> None:
        if hasattr(self, '_link'):
            self._link.stop()
            self._uplink.outbox.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    run_node(UplinkNode, 'uplink', args)


if __name__ == '__main__':
    main()
