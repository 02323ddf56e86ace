"""The ledger killed (SIGKILL) in a running graph: the launch file respawns it, it receives again what the producers
still hold and records it once; no detection, edge measurement or thermal assessment published meanwhile is missing
from the ledger afterwards, and the ledger verifies (the drill of fracturescope_bringup.ledger_outage; the benchmark
benchmarks/ledger_outage_drill.py runs it with 30 kills)."""

from pathlib import Path

from fracturescope_bringup.ledger_outage import run_drill
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest

ROOT = Path(__file__).resolve().parents[1]
KILLS = 2
pytestmark = pytest.mark.integration


def test_nothing_published_while_the_ledger_is_down_is_lost(tmp_path):
    env = isolated_ros_env()
    ledger_dir = tmp_path / 'ledger'
    with launched(ROOT / 'launch' / 'sim.launch.xml', {'ledger_dir': str(ledger_dir)}, env=env,
                  log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(env, 'outage_probe')
        try:
            report = run_drill(graph, probe, ledger_dir / 'ledger.db', KILLS)
        finally:
            probe.close()
    assert report.kills == KILLS and all(n >= 3 for n in report.published.values()), report
    assert report.lost == 0, f'missing from the ledger: {report.missing} of {report.published}'
    assert not any(report.duplicated.values()), report.duplicated
    assert report.verified, report.verify_reason
