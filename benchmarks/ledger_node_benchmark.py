"""Ledger node over DDS: detections published at a given rate -> durable blocks back on ledger/blocks.

The ledger node runs as its own process from launch/ledger.launch.xml; this process publishes detections and
receives the blocks, so the figures include DDS both ways, message conversion, group commit and fsync.
Latency: a detection's header stamp (set at publish) to the arrival of its block, which is published only
once the block is durable. Run from the repository root with the workspace sourced (source scripts/env.sh):
    python benchmarks/ledger_node_benchmark.py [--rates 50 200 1000] [--seconds 5]
Writes benchmarks/results/ledger_node.json.
"""

import argparse
import hashlib
from pathlib import Path
import statistics
import tempfile
import time

from bench_report import print_figure, save_results
from fracturescope_common.qos import RECORDED_RESULTS, RELIABLE_EVENTS
from fracturescope_common.stamps import from_ns, to_ns
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_ledger.diagnostics_contract import LEDGER, LOST_IN_TRANSPORT
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched

from fracturescope_msgs.msg import DefectDetection, LedgerBlock

REPO_ROOT = Path(__file__).resolve().parents[1]
GOALS = {'sustained_rate_hz': 30.0, 'lost': 0}  # a camera-rate perception stream, nothing lost


def detection(seq: int) -> DefectDetection:
    digest = hashlib.sha256(seq.to_bytes(8, 'big')).hexdigest()
    msg = DefectDetection(label='crack', confidence=0.9, class_names=['crack', 'corrosion', 'leak', 'none'],
                          scores=[0.9, 0.05, 0.03, 0.02], anomaly_score=0.1, anomaly_threshold=0.7,
                          image_sha256=[digest, digest], location='bench', model_id='bench@1')
    msg.header.stamp = from_ns(time.time_ns())
    return msg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rates', type=float, nargs='+', default=[30.0, 200.0, 1000.0, 3000.0], help='Hz')
    parser.add_argument('--seconds', type=float, default=5.0, help='per rate (s)')
    args = parser.parse_args()
    env = isolated_ros_env()
    figures = {}
    with tempfile.TemporaryDirectory(prefix='ledger-node-bench-') as tmp, \
            launched(REPO_ROOT / 'launch' / 'ledger.launch.xml', {'ledger_dir': tmp}, env=env,
                     log_dir=Path(tmp) / 'log') as graph, GraphProbe(env, 'ledger_bench') as probe:
        publisher = probe.node.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS)
        observed = watch_graph(probe)
        arrivals: list[tuple[LedgerBlock, int]] = []
        probe.node.create_subscription(LedgerBlock, 'ledger/blocks',
                                       lambda block: arrivals.append((block, time.time_ns())), RELIABLE_EVENTS)
        assert probe.spin_until(lambda: publisher.get_subscription_count() > 0 and observed.reported(LEDGER), 20.0), \
            'ledger node not up'
        for rate in args.rates:
            lost_before = observed.read(LEDGER)[LOST_IN_TRANSPORT]
            figures[f'{rate:g}_hz'] = figure = measure(probe, publisher, arrivals, rate, args.seconds)
            probe.spin_until(lambda: False, 1.5)  # the next /diagnostics report
            figure['lost_reported_by_node'] = observed.read(LEDGER)[LOST_IN_TRANSPORT] - lost_before
            print_figure(f'{rate:g} Hz: blocks/s durable and back', figure['blocks_per_s'], '(reported)', None)
            print_figure(f'{rate:g} Hz: publish -> durable block received p50 (ms)', figure['latency_ms_p50'],
                         '(reported)', None)
            print_figure(f'{rate:g} Hz: publish -> durable block received p99 (ms)', figure['latency_ms_p99'],
                         '(reported)', None)
            print_figure(f'{rate:g} Hz: detections lost', figure['lost'], '0',
                         figure['lost'] == 0 if rate <= GOALS['sustained_rate_hz'] else None)
            print_figure(f'{rate:g} Hz: of these, reported lost on /diagnostics', figure['lost_reported_by_node'],
                         '= lost', figure['lost_reported_by_node'] == figure['lost'])
        assert not graph.dead_nodes(), graph.failures
    save_results('ledger_node', figures, GOALS, seconds_per_rate=args.seconds)


def measure(probe: GraphProbe, publisher: object, arrivals: list, rate_hz: float, seconds: float) -> dict:
    """Publish at `rate_hz` for `seconds`, wait for every block, and summarise throughput and latency."""
    arrivals.clear()
    count = int(rate_hz * seconds)
    started, started_ns = time.monotonic(), time.time_ns()
    for seq in range(count):
        while (wait := started + seq / rate_hz - time.monotonic()) > 0:
            probe.executor.spin_once(timeout_sec=min(wait, 0.01))
        publisher.publish(detection(seq))
    probe.spin_until(lambda: len(arrivals) >= count, 30.0)
    elapsed = ((arrivals[-1][1] if arrivals else time.time_ns()) - started_ns) / 1e9  # to the last block
    latencies = sorted((arrival - to_ns(block.source_stamp)) / 1e6 for block, arrival in arrivals)
    return {
        'published': count,
        'blocks': len(arrivals),
        'lost': count - len(arrivals),
        'blocks_per_s': len(arrivals) / elapsed,
        'latency_ms_p50': statistics.median(latencies) if latencies else float('nan'),
        'latency_ms_p99': latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float('nan'),
    }


if __name__ == '__main__':
    main()
