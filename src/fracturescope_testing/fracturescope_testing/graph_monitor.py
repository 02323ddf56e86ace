"""What the main job watches in the running graph: the ledger's checkpoints and every node's /diagnostics."""

from collections import Counter
from dataclasses import dataclass, field
import math

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from fracturescope_common.diagnostics import DIAGNOSTICS_TOPIC
from fracturescope_common.diagnostics_contract import ContractError, Key, NodeContract, Reading, status_name
from fracturescope_common.qos import LATCHED_STATE, RELIABLE_EVENTS

from fracturescope_msgs.msg import EdgeMeasurement, LedgerCheckpoint
from fracturescope_testing.graph_probe import GraphProbe


@dataclass
class GraphObservations:
    """The latest checkpoint, and the latest /diagnostics status of every node, read through its contract."""

    checkpoint: LedgerCheckpoint | None = None
    statuses: dict[str, DiagnosticStatus] = field(default_factory=dict)  # by status name, /<namespace>/<node>
    namespace: str = '/'

    def reported(self, contract: NodeContract) -> bool:
        return status_name(contract.node, self.namespace) in self.statuses

    def read(self, contract: NodeContract) -> Reading:
        """The node's latest status; ContractError when it has not reported or its status breaks the contract."""
        name = status_name(contract.node, self.namespace)
        if name not in self.statuses:
            raise ContractError(f'no /diagnostics from {name} (reported: {sorted(self.statuses) or "none"})')
        return contract.read(self.statuses[name])

    def at_least(self, contract: NodeContract, key: Key[int], n: int) -> bool:
        """For waiting: the node has reported and its `key` has reached `n`."""
        return self.reported(contract) and self.read(contract)[key] >= n

    def on_checkpoint(self, checkpoint: LedgerCheckpoint) -> None:
        self.checkpoint = checkpoint

    def on_diagnostics(self, array: DiagnosticArray) -> None:
        for status in array.status:
            self.statuses[status.name] = status


def watch_graph(probe: GraphProbe) -> GraphObservations:
    """Observations kept up to date while `probe` spins (the latched checkpoint arrives even if late)."""
    observed = GraphObservations()
    probe.node.create_subscription(LedgerCheckpoint, 'ledger/checkpoint', observed.on_checkpoint, LATCHED_STATE)
    probe.node.create_subscription(DiagnosticArray, DIAGNOSTICS_TOPIC, observed.on_diagnostics, 50)
    return observed


@dataclass
class EdgeObservations:
    """Edge-Eye measurements and the simulator's ground truth, matched by the frame's stamp."""

    measured: dict[tuple[int, int], EdgeMeasurement] = field(default_factory=dict)
    truth: dict[tuple[int, int], EdgeMeasurement] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def on_measurement(self, msg: EdgeMeasurement) -> None:
        self.measured[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = msg
        self.statuses[msg.status] += 1

    def on_truth(self, msg: EdgeMeasurement) -> None:
        self.truth[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = msg

    def errors_mm(self) -> list[float]:
        """|measured - truth| of both edges, for every measured frame (ok or repaired) with a sheet in view."""
        errors = []
        for stamp, msg in self.measured.items():
            truth = self.truth.get(stamp)
            if truth is None or truth.status != EdgeMeasurement.STATUS_OK or \
                    msg.status not in (EdgeMeasurement.STATUS_OK, EdgeMeasurement.STATUS_REPAIRED):
                continue
            errors += [abs(msg.left_mm - truth.left_mm), abs(msg.right_mm - truth.right_mm)]
        return [e for e in errors if math.isfinite(e)]


def watch_edges(probe: GraphProbe) -> EdgeObservations:
    """Edge measurements and ground truth, kept while `probe` spins."""
    observed = EdgeObservations()
    probe.node.create_subscription(EdgeMeasurement, 'edges', observed.on_measurement, RELIABLE_EVENTS)
    probe.node.create_subscription(EdgeMeasurement, 'line_camera/ground_truth', observed.on_truth, RELIABLE_EVENTS)
    return observed
