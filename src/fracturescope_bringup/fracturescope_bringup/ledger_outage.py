"""The ledger outage drill: SIGKILL the ledger node of a running graph again and again while the producers go on, then
check that every detection, edge measurement and thermal assessment they published is in the ledger once, and that
the ledger verifies. tests/test_ledger_outage.py runs it with a few kills, benchmarks/ledger_outage_drill.py with 30."""

from __future__ import annotations

from dataclasses import dataclass, field
import os
from pathlib import Path
import signal
import time

from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_common.stamps import to_ns
from fracturescope_launch.process_graph import RunningGraph
from fracturescope_ledger.store import LedgerStore
from fracturescope_ledger.verify import verify_ledger
from fracturescope_testing.graph_probe import GraphProbe

from fracturescope_msgs.msg import DefectDetection, EdgeMeasurement, ThermalAssessment

RESULTS = {'defect': (DefectDetection, 'defects'), 'edge': (EdgeMeasurement, 'edges'),
           'thermal': (ThermalAssessment, 'thermal_monitor/assessment')}


@dataclass
class DrillReport:
    kills: int = 0
    published: dict[str, int] = field(default_factory=dict)     # by kind
    missing: dict[str, int] = field(default_factory=dict)       # published, not in the ledger
    duplicated: dict[str, int] = field(default_factory=dict)    # blocks beyond one per published result
    respawn_s: list[float] = field(default_factory=list)        # SIGKILL -> the new ledger process is running
    verified: bool = False
    verify_reason: str = ''
    blocks: int = 0

    @property
    def lost(self) -> int:
        return sum(self.missing.values())


def recorded(database: Path) -> dict[str, list[int]]:
    """Source stamps of the ledger's blocks, by record type (a stamp twice: recorded twice)."""
    stamps: dict[str, list[int]] = {kind: [] for kind in RESULTS}
    with LedgerStore(database, None) as store:
        for block in store.iter_blocks():
            stamps[block.record.record_type].append(block.record.source_stamp_ns)
    return stamps


def run_drill(graph: RunningGraph, probe: GraphProbe, database: Path, kills: int, up_s: float = 3.0,
              respawn_timeout_s: float = 30.0, catch_up_s: float = 30.0) -> DrillReport:
    """Kill the graph's `ledger` node `kills` times, each time waiting for its respawn and `up_s` more; then wait up
    to `catch_up_s` for the ledger to record the newest results, and compare."""
    published = {kind: probe.collect(msg_type, topic, RELIABLE_EVENTS) for kind, (msg_type, topic) in RESULTS.items()}
    if not probe.spin_until(lambda: all(len(p) >= 3 for p in published.values()), 90.0):
        raise RuntimeError(f'producers not publishing: { {kind: len(p) for kind, p in published.items()} }')
    report = DrillReport()
    for _ in range(kills):
        pid = graph.pid('ledger')
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        if not probe.spin_until(lambda p=pid: graph.pid('ledger') != p and graph.alive()['ledger'],
                                respawn_timeout_s):
            raise RuntimeError(f'ledger not respawned within {respawn_timeout_s} s')
        report.respawn_s.append(time.monotonic() - killed)
        report.kills += 1
        probe.spin_until(lambda: False, up_s)
    # what was published up to now, kills included; results published while waiting below are not counted (the
    # newest of them may still be on their way to the ledger when it is read: a count, not a loss)
    published = {kind: list(p) for kind, p in published.items()}
    last = {kind: max(to_ns(m.header.stamp) for m in p) for kind, p in published.items()}
    deadline = time.monotonic() + catch_up_s
    while time.monotonic() < deadline:              # the ledger catches up with what was published
        if all(last[kind] in recorded(database)[kind] for kind in last):
            break
        probe.spin_until(lambda: False, 1.0)
    stamps = recorded(database)
    for kind, messages in published.items():
        sent = {to_ns(m.header.stamp) for m in messages}
        report.published[kind] = len(sent)
        report.missing[kind] = len(sent - set(stamps[kind]))
        report.duplicated[kind] = len(stamps[kind]) - len(set(stamps[kind]))
    report.blocks = sum(len(s) for s in stamps.values())
    verification = verify_ledger(database)
    report.verified, report.verify_reason = verification.ok, verification.reason or ''
    return report
