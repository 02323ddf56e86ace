"""A node that watches the running graph for the main job: ledger blocks, checkpoints, /diagnostics."""

from dataclasses import dataclass, field
import threading

from diagnostic_msgs.msg import DiagnosticArray
from fracturescope_common.diagnostics import DIAGNOSTICS_TOPIC
from fracturescope_common.qos import LATCHED_STATE, RELIABLE_EVENTS
from rclpy.node import Node

from fracturescope_msgs.msg import LedgerBlock, LedgerCheckpoint
from fracturescope_msgs.srv import GetConsistencyProof, VerifyLedger


@dataclass
class GraphObservations:
    blocks_seen: int = 0  # on ledger/blocks; the checkpoint is the authority (blocks before discovery are missed)
    checkpoint: LedgerCheckpoint | None = None
    diagnostics: dict[str, dict[str, str]] = field(default_factory=dict)  # node name -> key -> value
    diagnostic_levels: dict[str, int] = field(default_factory=dict)
    diagnostic_messages: dict[str, str] = field(default_factory=dict)

    def counter(self, node: str, key: str) -> int:
        return int(self.diagnostics.get(node, {}).get(key, 0))

    def ledger_size(self) -> int:
        return self.checkpoint.tree_size if self.checkpoint else 0


class GraphMonitor(Node):
    def __init__(self) -> None:
        super().__init__('main_job_monitor')
        self._lock = threading.Lock()
        self.observed = GraphObservations()
        self.create_subscription(LedgerBlock, 'ledger/blocks', self._on_block, RELIABLE_EVENTS)
        self.create_subscription(LedgerCheckpoint, 'ledger/checkpoint', self._on_checkpoint, LATCHED_STATE)
        self.create_subscription(DiagnosticArray, DIAGNOSTICS_TOPIC, self._on_diagnostics, 50)
        self.verify_client = self.create_client(VerifyLedger, 'ledger/verify')
        self.consistency_client = self.create_client(GetConsistencyProof, 'ledger/consistency_proof')

    def _on_block(self, block: LedgerBlock) -> None:
        with self._lock:
            self.observed.blocks_seen += 1

    def _on_checkpoint(self, checkpoint: LedgerCheckpoint) -> None:
        with self._lock:
            self.observed.checkpoint = checkpoint

    def _on_diagnostics(self, array: DiagnosticArray) -> None:
        with self._lock:
            for status in array.status:
                self.observed.diagnostics[status.name] = {kv.key: kv.value for kv in status.values}
                self.observed.diagnostic_levels[status.name] = status.level[0]
                self.observed.diagnostic_messages[status.name] = status.message
