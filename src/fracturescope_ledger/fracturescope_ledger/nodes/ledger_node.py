"""Ledger node: every accepted detection / measurement / thermal assessment becomes a durable, signed ledger block."""

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from fracturescope_common.background import in_background
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health, Level
from fracturescope_common.log_throttle import LogThrottle, reason_of
from fracturescope_common.node_main import run_node
from fracturescope_common.params import declare_parameters
from fracturescope_common.qos import LATCHED_STATE, OBSERVER_STREAM, RECORDING
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.event_handler import QoSMessageLostInfo, QoSRequestedIncompatibleQoSInfo, SubscriptionEventCallbacks
from rclpy.node import Node
from rclpy.qos import QoSPolicyKind

from fracturescope_ledger.block import Block, InvalidRecord, LedgerRecord, RecordLimits
from fracturescope_ledger.checkpoint import Checkpoint, CheckpointSigner
from fracturescope_ledger.diagnostics_contract import (
    APPEND_FAILED,
    BLOCKS,
    BLOCKS_OF,
    BLOCKS_WRITTEN,
    CHECKPOINT_ROOT,
    DATABASE,
    DUPLICATES,
    INCOMPATIBLE_PUBLISHERS,
    LEDGER,
    LOST_IN_TRANSPORT,
    REJECTED,
    VERIFY_FAILED,
)
from fracturescope_ledger.messages import (
    block_message,
    checkpoint_message,
    record_from_detection,
    record_from_edge_measurement,
    record_from_thermal_assessment,
)
from fracturescope_ledger.nodes.ledger_node_parameters import PARAMETERS
from fracturescope_ledger.recent_records import Intake, RecentRecords
from fracturescope_ledger.services import LedgerServices
from fracturescope_ledger.store import LedgerStore
from fracturescope_msgs.msg import DefectDetection, EdgeMeasurement, LedgerBlock, LedgerCheckpoint, ThermalAssessment
from fracturescope_msgs.srv import GetCheckpoint, GetConsistencyProof, GetInclusionProof, VerifyLedger

FAILURE_LOG_PERIOD_S = 10.0  # one log line per failure reason (SQLITE_FULL, not enough free space, ...) and period


class LedgerNode(Node):
    def __init__(self) -> None:
        super().__init__(LEDGER.node)
        self._params = declare_parameters(self, PARAMETERS)
        self._health = Health(LEDGER.counters)
        signer = CheckpointSigner.from_key_file(self._params.key_path)
        self._store = LedgerStore(
            self._params.database_path, signer,
            max_batch=self._params.max_batch, milestone_every=self._params.milestone_every,
            witness_path=Path(self._params.database_path).parent / self._params.witness_path,
            free_space_reserve_bytes=int(self._params.free_space_reserve_mb * 1e6),
        )
        self._failure_log = LogThrottle(FAILURE_LOG_PERIOD_S)
        self._rejection_log = LogThrottle(FAILURE_LOG_PERIOD_S)   # a flood of bad messages: a line per topic
        self._intake = Intake(RecordLimits(self._params.max_text_bytes, self._params.max_images,
                                           self._params.max_values),
                              RecentRecords.of_store(self._store, self._params.duplicate_window))
        self._ledger = LedgerServices(self._store, signer.public_key)
        self._block_pub = self.create_publisher(LedgerBlock, 'ledger/blocks', OBSERVER_STREAM)
        self._checkpoint_pub = self.create_publisher(LedgerCheckpoint, 'ledger/checkpoint', LATCHED_STATE)
        self._store.add_commit_listener(self._on_commit)
        p = self._params
        recorded = (  # message type, its topics, message -> record, labels a block may carry (None: any)
            (DefectDetection, p.defect_topics, record_from_detection, p.allowed_labels),
            (EdgeMeasurement, p.edge_topics,
             partial(record_from_edge_measurement, location=p.edge_location, model_id=p.edge_tracker_id), None),
            (ThermalAssessment, p.thermal_topics, partial(record_from_thermal_assessment, location=p.thermal_location),
             None),
        )
        for message_type, topics, to_record, allowed_labels in recorded:
            for topic in topics:
                self.create_subscription(message_type, topic, partial(self._append, topic, to_record, allowed_labels),
                                         RECORDING, event_callbacks=self._transport_events(topic))
        # Own group: while a verification awaits its thread, detections keep flowing in the default group.
        verifying = MutuallyExclusiveCallbackGroup()
        self.create_service(VerifyLedger, 'ledger/verify', self._verify, callback_group=verifying)
        self.create_service(GetInclusionProof, 'ledger/inclusion_proof', self._ledger.inclusion_proof)
        self.create_service(GetConsistencyProof, 'ledger/consistency_proof', self._ledger.consistency_proof)
        self.create_service(GetCheckpoint, 'ledger/get_checkpoint', self._ledger.checkpoint)
        self._checkpoint = self._store.latest_checkpoint()  # kept current by _on_commit: no file read per report
        self._checkpoint_pub.publish(checkpoint_message(self._checkpoint))
        self._startup_check = self.create_timer(0.0, self._verify_on_start, callback_group=verifying)
        self._diagnostics = DiagnosticsReporter(
            self, LEDGER, self._health, self._diagnostic_values,
            lambda: f'{self._store.size} blocks, chain head {self._store.head_hash.hex()[:16]}',
            self._params.diagnostics_period_s,
        )
        self.create_timer(self._params.diagnostics_period_s, self._hold_refusal)
        self.get_logger().info(
            f'ledger {self._params.database_path}: {self._store.size} blocks, key {signer.key_id}'
        )

    def _transport_events(self, topic: str) -> SubscriptionEventCallbacks:
        """Messages DDS dropped before this node saw them (a publisher outrunning the queue) are reported."""
        def on_lost(status: QoSMessageLostInfo) -> None:
            self._health.problem(LOST_IN_TRANSPORT, f'{topic}: {status.total_count} message(s) dropped by DDS '
                                 'before reaching the ledger', Level.ERROR, n=status.total_count_change)
            self.get_logger().error(f'{topic}: {status.total_count} message(s) lost in transport so far '
                                    '(publisher faster than the ledger)', throttle_duration_sec=1.0)
        def on_incompatible(status: QoSRequestedIncompatibleQoSInfo) -> None:
            policy = QoSPolicyKind(status.last_policy_kind).name
            self._health.problem(INCOMPATIBLE_PUBLISHERS, f'{topic}: a publisher\'s {policy} does not match the '
                                 'ledger\'s', Level.ERROR, n=status.total_count_change)
            self.get_logger().error(f'{topic}: a publisher offers a {policy} the ledger cannot record from: results '
                                    'are published reliable and transient local (fracturescope_common.qos.'
                                    'RECORDED_RESULTS), so that a restarted ledger receives what it missed')
        return SubscriptionEventCallbacks(message_lost=on_lost, incompatible_qos=on_incompatible)

    def _append(self, topic: str, to_record: Callable[[Any], LedgerRecord], allowed_labels: list[str] | None,
                msg: Any) -> None:
        try:
            record = to_record(msg)
            if not self._intake.admit(record, allowed_labels):
                self._health.count(DUPLICATES)   # delivered again from a producer's history: already recorded
                return
            self._store.append(record).add_done_callback(partial(self._on_append_done, record))
        except InvalidRecord as error:
            self._health.problem(REJECTED, f'{topic}: {error}')
            held = self._rejection_log.admit(topic)
            if held is not None:
                more = f' ({held} more since the last such line)' if held else ''
                self.get_logger().error(f'rejected message on {topic}: {error}{more}')

    def _on_append_done(self, record: LedgerRecord, future) -> None:  # noqa: ANN001 - concurrent.futures.Future
        error = future.exception()
        if error is not None:
            self._intake.recent.forget(record)
            self._health.problem(APPEND_FAILED, str(error), Level.ERROR)
            held = self._failure_log.admit(reason_of(error))
            if held is not None:
                more = f' ({held} more since the last such line)' if held else ''
                self.get_logger().error(f'append failed, block not written: {error}{more}')

    def _hold_refusal(self) -> None:
        """While appends fail (an untrusted ledger, a full disk) the ERROR stays, not only for Health.recent_s."""
        refusal = self._store.refusal
        if refusal is not None:
            self._health.problem(APPEND_FAILED, refusal, Level.ERROR, n=0)

    def _on_commit(self, blocks: list[Block], checkpoint: Checkpoint) -> None:
        self._health.count(BLOCKS_WRITTEN, len(blocks))
        for block in blocks:
            self._health.count(BLOCKS_OF[block.record.record_type])
            self._block_pub.publish(block_message(block))
        self._checkpoint_pub.publish(checkpoint_message(checkpoint))
        self._checkpoint = checkpoint

    def _diagnostic_values(self) -> dict[Key, object]:
        checkpoint = self._checkpoint
        return {BLOCKS: self._store.size, DATABASE: self._store.path,
                CHECKPOINT_ROOT: checkpoint.root_hash.hex() if checkpoint else ''}

    async def _verify_on_start(self) -> None:
        """A ledger tampered with while the node was down is reported at once; the store then refuses appends."""
        self._startup_check.cancel()
        report = await in_background(self, self._store.wait_verified, 'verify')
        if not report.ok:
            self._health.problem(VERIFY_FAILED, report.reason, Level.ERROR)
            self.get_logger().error(f'ledger verification failed at start: {report.reason}; every append is '
                                    'refused until an operator moves the database and its witness file away')

    async def _verify(self, request: VerifyLedger.Request, response: VerifyLedger.Response) -> VerifyLedger.Response:
        # Reading the whole file takes seconds on a big ledger: off the executor, so appends go on meanwhile.
        report = await in_background(self, lambda: self._ledger.verify(request, response), 'verify')
        if not report.ok:
            self._health.problem(VERIFY_FAILED, report.reason, Level.ERROR)
            self.get_logger().error(f'ledger verification failed: {report.reason}')
        return response

    def destroy_node(self) -> None:
        # Also called by rclpy's shutdown on a node whose __init__ failed before the store existed.
        if hasattr(self, '_store'):
            self._store.close()  # drains pending appends: nothing accepted is dropped on a clean stop
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    run_node(LedgerNode, 'ledger', args)


if __name__ == '__main__':
    main()
