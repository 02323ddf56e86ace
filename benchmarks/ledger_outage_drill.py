"""The ledger outage drill of issue 17.1: the simulated robot graph (launch/sim.launch.xml: cameras, detector, Edge-Eye
tracker, thermal monitor, ledger, control, PLC simulator) runs; the ledger node is SIGKILLed 30 times, each time
respawned by the launch file; afterwards every detection, edge measurement and thermal assessment published during
the drill must be in the ledger exactly once, and the ledger must verify.

    python benchmarks/ledger_outage_drill.py [--kills 30] [--up 3]
Writes benchmarks/results/ledger_outage_drill.json.
"""

import argparse
from pathlib import Path
import statistics
import tempfile
import time

from bench_report import print_figure, save_results
from fracturescope_bringup.ledger_outage import run_drill
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched

ROOT = Path(__file__).resolve().parents[1]
GOALS = {'missing': 0, 'duplicated': 0, 'verified': True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--kills', type=int, default=30, help='SIGKILLs of the ledger node')
    parser.add_argument('--up', type=float, default=3.0, help='seconds the respawned ledger runs before the next kill')
    args = parser.parse_args()
    env = isolated_ros_env()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix='outage-drill-') as tmp:
        ledger_dir = Path(tmp) / 'ledger'
        with launched(ROOT / 'launch' / 'sim.launch.xml', {'ledger_dir': str(ledger_dir)}, env=env,
                      log_dir=Path(tmp) / 'logs') as graph:
            probe = GraphProbe(env, 'outage_drill')
            try:
                report = run_drill(graph, probe, ledger_dir / 'ledger.db', args.kills, up_s=args.up)
            finally:
                probe.close()
    for kind in report.published:
        print_figure(f'{kind}: published during the drill', report.published[kind], '(report)', None)
        print_figure(f'{kind}: missing from the ledger', report.missing[kind], '0', report.missing[kind] == 0)
        print_figure(f'{kind}: recorded more than once', report.duplicated[kind], '0', report.duplicated[kind] == 0)
    print_figure('ledger kills (SIGKILL)', report.kills, f'{args.kills}', report.kills == args.kills)
    print_figure('kill -> respawned process running, median (s)', statistics.median(report.respawn_s), '(report)',
                 None)
    print_figure('kill -> respawned process running, max (s)', max(report.respawn_s), '(report)', None)
    print_figure('ledger verifies (1 = yes)', float(report.verified), '1', report.verified)
    save_results('ledger_outage_drill', {
        'kills': report.kills, 'published': report.published, 'missing': report.missing,
        'duplicated': report.duplicated, 'blocks': report.blocks, 'verified': report.verified,
        'verify_reason': report.verify_reason, 'respawn_s': report.respawn_s,
    }, GOALS, up_s=args.up, wall_s=round(time.monotonic() - started, 1))


if __name__ == '__main__':
    main()
