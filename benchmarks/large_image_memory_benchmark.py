"""Huge images against the defect detector (issue 17.5): refused before decoding, and does the memory come back?

launch/perception.launch.xml without the simulated cameras starts the real defect detector; a probe publishes
`--images` RGB frames of `--megabytes` each (beyond max_image_bytes, so every one must be refused) on
camera/rgb/image_raw, one a second, first from a best-effort writer (sensor-data QoS, as most camera drivers), then
from a reliable one (as this project's cameras), while the detector's resident memory (/proc/<pid>/status) is
sampled: before, the peak, and `--settle` seconds after the last of each writer; its own (RssAnon) apart from the
shared-memory pages it has touched (RssShmem: the publisher's Fast DDS segment, mapped for reading, which VmRSS also
counts). The tester's run: 60-100 MB images took the detector's VmRSS from 287 to 457 MB, and it stayed there.

What kept the memory is the reader in Fast DDS: rmw_fastrtps preallocates its history and grows it by realloc to
the largest sample, and keeps it (and a best-effort reader keeps one sample being reassembled per matched writer).
Two tries to change Fast DDS's memory policy (config/fastdds.xml with RMW_FASTRTPS_USE_QOS_FROM_XML=1) were
reverted: they broke the ledger's services, then made nodes hang at stop. What is used: the node makes its image
subscription anew once oversized images have stopped for 2 s (fracturescope_common/image_subscription.py, at most
once per 10 s): destroying the reader gives its buffers back.

    python benchmarks/large_image_memory_benchmark.py [--images 10] [--megabytes 60] [--settle 10]
Writes benchmarks/results/large_image_memory.json.
"""

import argparse
from pathlib import Path
import tempfile
import time

from bench_report import print_figure, save_results
from fracturescope_common.image_stream import IMAGE_PUBLICATION, IMAGE_SUBSCRIPTION
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_perception.diagnostics_contract import DEFECT_DETECTOR, FRAME_REFUSED, RGB_RECEIVED
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
from sensor_msgs.msg import Image

ROOT = Path(__file__).resolve().parents[1]
GOALS = {'every_image_received_refused': True, 'own_memory_after_minus_before_mb': '<= 20 (memory comes back)'}


def rss_mb(pid: int, kind: str = 'RssAnon') -> float:
    """Resident memory of `pid` (MB): RssAnon is the process's own (heap, Python objects); RssShmem the pages of
    shared-memory segments it has mapped and touched, such as the publisher's Fast DDS SHM segment."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith(f'{kind}:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f'no {kind} for {pid}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--images', type=int, default=10, help='images per writer')
    parser.add_argument('--megabytes', type=float, default=60.0, help='size of each image (MB)')
    parser.add_argument('--settle', type=float, default=10.0, help='seconds after the last image (s)')
    args = parser.parse_args()
    env = isolated_ros_env()
    side = int((args.megabytes * 1e6 / 3) ** 0.5)
    phases = []
    with tempfile.TemporaryDirectory(prefix='huge-images-') as tmp, \
            launched(ROOT / 'launch' / 'perception.launch.xml', {'simulate_cameras': 'false'}, env=env,
                     log_dir=Path(tmp) / 'logs') as graph:
        probe = GraphProbe(env, 'huge_image_probe')
        try:
            observed = watch_graph(probe)
            if not probe.spin_until(lambda: observed.reported(DEFECT_DETECTOR), 60.0):
                raise RuntimeError('defect detector not up')
            pid = graph.pid('defect_detector')
            image = Image(height=side, width=side, encoding='rgb8', step=3 * side)
            image.data = bytes(3 * side * side)
            received_so_far = 0
            for writer, qos in (('best_effort', IMAGE_SUBSCRIPTION), ('reliable', IMAGE_PUBLICATION)):
                publisher = probe.node.create_publisher(Image, 'camera/rgb/image_raw', qos)
                if not probe.spin_until(lambda p=publisher: p.get_subscription_count() > 0, 30.0):
                    raise RuntimeError('detector never matched the probe')
                probe.spin_until(lambda: False, 3.0)
                before, shared_before = rss_mb(pid), rss_mb(pid, 'RssShmem')
                peak = before
                for _ in range(args.images):
                    image.header.stamp = probe.node.get_clock().now().to_msg()
                    publisher.publish(image)
                    deadline = time.monotonic() + 1.0
                    while time.monotonic() < deadline:
                        probe.spin_until(lambda: False, 0.1)
                        peak = max(peak, rss_mb(pid))
                probe.spin_until(lambda: False, args.settle)
                after, shared_after = rss_mb(pid), rss_mb(pid, 'RssShmem')
                reading = observed.read(DEFECT_DETECTOR)
                refused = sum(n for reason, n in reading.family(FRAME_REFUSED).items() if 'large' in reason)
                received = reading[RGB_RECEIVED] - received_so_far
                received_so_far = reading[RGB_RECEIVED]
                phases.append({'writer': writer, 'received': received, 'refused_too_large_total': refused,
                               'rss_before_mb': before, 'rss_peak_mb': peak, 'rss_after_mb': after,
                               'shm_before_mb': shared_before, 'shm_after_mb': shared_after})
                probe.node.destroy_publisher(publisher)
        finally:
            probe.close()
    print_figure('image size (MB)', 3 * side * side / 1e6, '(report)', None)
    total = sum(p['received'] for p in phases)
    refused = phases[-1]['refused_too_large_total']
    print_figure('images that reached the node (of both writers)', total, '(report)', None)
    print_figure('of those, refused as too large', refused, f'{total} (all)', refused == total)
    for phase in phases:
        name = phase['writer'].replace('_', '-')
        print_figure(f'{name} writer: images that reached the node', phase['received'], f'(of {args.images})', None)
        print_figure(f'{name} writer: own memory (RssAnon) before / peak (MB)', phase['rss_before_mb'],
                     f"(peak {phase['rss_peak_mb']:.0f})", None)
        grown = phase['rss_after_mb'] - phase['rss_before_mb']
        print_figure(f'{name} writer: own memory {args.settle:g} s after - before (MB)', grown, '<= 20', grown <= 20)
    save_results('large_image_memory', {'image_mb': 3 * side * side / 1e6, 'images_per_writer': args.images,
                                        'received': total, 'refused_too_large': refused,
                                        'writers': {p.pop('writer'): p for p in phases}},
                 GOALS, settle_s=args.settle)


if __name__ == '__main__':
    main()
