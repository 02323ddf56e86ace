"""What the main job watches in the running graph: the ledger's checkpoints and every node's /diagnostics."""

from collections import Counter
from dataclasses import dataclass, field
import math

from diagnostic_msgs.msg import DiagnosticArray
from fracturescope_common.diagnostics import DIAGNOSTICS_TOPIC
from fracturescope_common.qos import LATCHED_STATE, RELIABLE_EVENTS

from fracturescope_msgs.msg import EdgeMeasurement, LedgerCheckpoint
from fracturescope_testing.graph_probe import GraphProbe


@dataclass
class GraphObservations:
    checkpoint: LedgerCheckpoint | None = None
    diagnostics: dict[str, dict[str, str]] = field(default_factory=dict)  # node name -> key -> value
    diagnostic_levels: dict[str, int] = field(default_factory=dict)
    diagnostic_messages: dict[str, str] = field(default_factory=dict)

    @property
    def defect_blocks(self) -> int:
        """Defect blocks the ledger node has written since it started (its cumulative per-type counter: exact even
        for blocks written before this observer matched, unlike counting ledger/blocks messages)."""
        return self.counter('ledger', 'blocks_defect')

    def counter(self, node: str, key: str) -> int:
        return int(self.diagnostics.get(node, {}).get(key, 0))

    def on_checkpoint(self, checkpoint: LedgerCheckpoint) -> None:
        self.checkpoint = checkpoint

    def on_diagnostics(self, array: DiagnosticArray) -> None:
        for status in array.status:
            self.diagnostics[status.name] = {kv.key: kv.value for kv in status.values}
            self.diagnostic_levels[status.name] = status.level[0]
            self.diagnostic_messages[status.name] = status.message


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
