"""What the main job watches in the running graph: the ledger's checkpoints and every node's /diagnostics."""

from dataclasses import dataclass, field

from diagnostic_msgs.msg import DiagnosticArray
from fracturescope_common.diagnostics import DIAGNOSTICS_TOPIC
from fracturescope_common.qos import LATCHED_STATE

from fracturescope_bringup.graph_probe import GraphProbe
from fracturescope_msgs.msg import LedgerCheckpoint


@dataclass
class GraphObservations:
    checkpoint: LedgerCheckpoint | None = None
    diagnostics: dict[str, dict[str, str]] = field(default_factory=dict)  # node name -> key -> value
    diagnostic_levels: dict[str, int] = field(default_factory=dict)
    diagnostic_messages: dict[str, str] = field(default_factory=dict)

    def counter(self, node: str, key: str) -> int:
        return int(self.diagnostics.get(node, {}).get(key, 0))

    def ledger_size(self) -> int:
        return self.checkpoint.tree_size if self.checkpoint else 0

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
