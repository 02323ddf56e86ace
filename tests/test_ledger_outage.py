"""The ledger killed (SIGKILL) in a running graph: the launch file respawns it, it receives again what the producers
still hold and records it once; no detection, edge measurement or thermal assessment published meanwhile is missing
from the ledger afterwards, and the ledger verifies."""

import os
from pathlib import Path
import signal
import time

from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_common.stamps import to_ns
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_ledger.store import LedgerStore
from fracturescope_ledger.verify import verify_ledger
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest

from fracturescope_msgs.msg import DefectDetection, EdgeMeasurement, ThermalAssessment

ROOT = Path(__file__).resolve().parents[1]
KILLS = 2
pytestmark = pytest.mark.integration


def recorded(database: Path) -> dict[str, set[int]]:
    stamps: dict[str, set[int]] = {'defect': set(), 'edge': set(), 'thermal': set()}
    with LedgerStore(database, None) as store:
        for block in store.iter_blocks():
            stamps[block.record.record_type].add(block.record.source_stamp_ns)
    return stamps


def test_nothing_published_while_the_ledger_is_down_is_lost(tmp_path):
    env = isolated_ros_env()
    ledger_dir = tmp_path / 'ledger'
    with launched(ROOT / 'launch' / 'sim.launch.xml', {'ledger_dir': str(ledger_dir)}, env=env,
                  log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(env, 'outage_probe')
        try:
            published = {'defect': probe.collect(DefectDetection, 'defects', RELIABLE_EVENTS),
                         'edge': probe.collect(EdgeMeasurement, 'edges', RELIABLE_EVENTS),
                         'thermal': probe.collect(ThermalAssessment, 'thermal_monitor/assessment', RELIABLE_EVENTS)}
            assert probe.spin_until(lambda: all(len(p) >= 3 for p in published.values()), 90.0), \
                {kind: len(p) for kind, p in published.items()}
            for _ in range(KILLS):
                pid = graph.pid('ledger')
                os.kill(pid, signal.SIGKILL)
                down = len(published['edge'])
                assert probe.spin_until(lambda p=pid: graph.pid('ledger') != p and graph.alive()['ledger'], 15.0)
                assert len(published['edge']) > down, 'no edge published while the ledger was down'
                probe.spin_until(lambda: False, 3.0)
            last = {kind: max(to_ns(m.header.stamp) for m in p) for kind, p in published.items()}
            deadline = time.monotonic() + 30.0
            while time.monotonic() < deadline:              # the ledger catches up with what was published
                stamps = recorded(ledger_dir / 'ledger.db')
                if all(last[kind] in stamps[kind] for kind in last):
                    break
                probe.spin_until(lambda: False, 1.0)
        finally:
            probe.close()
    stamps = recorded(ledger_dir / 'ledger.db')
    for kind, messages in published.items():
        missing = {to_ns(m.header.stamp) for m in messages} - stamps[kind]
        assert not missing, f'{len(missing)} of {len(messages)} {kind} results missing from the ledger'
    report = verify_ledger(ledger_dir / 'ledger.db')
    assert report.ok, report.reason
