"""Huge images against the defect detector (issue 17.5): refused before decoding, and does the memory come back?

launch/perception.launch.xml without the simulated cameras starts the real defect detector; a probe publishes
`--images` RGB frames of `--megabytes` each (beyond max_image_bytes, so every one must be refused) on
camera/rgb/image_raw, one a second, while the detector's resident memory (/proc/<pid>/status) is sampled: before, the
peak, and `--settle` seconds after the last; its own (RssAnon) apart from the shared-memory pages it has touched
(RssShmem: the publisher's Fast DDS segment, mapped for reading, which VmRSS also counts). The tester's run: 60-100 MB
images took the detector's VmRSS from 287 to 457 MB, and it stayed there.

    python benchmarks/large_image_memory_benchmark.py [--images 10] [--megabytes 60] [--settle 10]
Writes benchmarks/results/large_image_memory.json.
"""

import argparse
from pathlib import Path
import tempfile
import time

from bench_report import print_figure, save_results
from fracturescope_common.image_stream import IMAGE_PUBLICATION
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
    parser.add_argument('--images', type=int, default=10)
    parser.add_argument('--megabytes', type=float, default=60.0, help='size of each image (MB)')
    parser.add_argument('--settle', type=float, default=10.0, help='seconds after the last image (s)')
    args = parser.parse_args()
    env = isolated_ros_env()
    side = int((args.megabytes * 1e6 / 3) ** 0.5)
    with tempfile.TemporaryDirectory(prefix='huge-images-') as tmp, \
            launched(ROOT / 'launch' / 'perception.launch.xml', {'simulate_cameras': 'false'}, env=env,
                     log_dir=Path(tmp) / 'logs') as graph:
        probe = GraphProbe(env, 'huge_image_probe')
        try:
            observed = watch_graph(probe)
            publisher = probe.node.create_publisher(Image, 'camera/rgb/image_raw', IMAGE_PUBLICATION)
            if not probe.spin_until(lambda: observed.reported(DEFECT_DETECTOR)
                                    and publisher.get_subscription_count() > 0, 60.0):
                raise RuntimeError('defect detector not up')
            probe.spin_until(lambda: False, 3.0)
            pid = graph.pid('defect_detector')
            before, shared_before = rss_mb(pid), rss_mb(pid, 'RssShmem')
            image = Image(height=side, width=side, encoding='rgb8', step=3 * side)
            image.data = bytes(3 * side * side)
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
            refused, received = reading.family(FRAME_REFUSED), reading[RGB_RECEIVED]
        finally:
            probe.close()
    too_large = sum(n for reason, n in refused.items() if 'large' in reason or 'size' in reason)
    print_figure('image size (MB)', 3 * side * side / 1e6, '(report)', None)
    print_figure('images that reached the node (best effort drops the rest)', received, '(report)', None)
    print_figure('of those, refused as too large', too_large, f'{received} (all)', too_large == received)
    print_figure('detector own memory (RssAnon) before (MB)', before, '(report)', None)
    print_figure('detector own memory peak (MB)', peak, '(report)', None)
    print_figure(f'detector own memory {args.settle:g} s after the last (MB)', after, '(report)', None)
    print_figure('own memory after - before (MB)', after - before, '<= 20', after - before <= 20)
    print_figure('shared-memory pages mapped, before / after (MB)', shared_after, f'(before {shared_before:.0f})',
                 None)
    save_results('large_image_memory', {'image_mb': 3 * side * side / 1e6, 'images': args.images, 'received': received,
                                        'refused': refused, 'rss_before_mb': before, 'rss_peak_mb': peak,
                                        'rss_after_mb': after, 'shm_before_mb': shared_before,
                                        'shm_after_mb': shared_after}, GOALS, settle_s=args.settle)


if __name__ == '__main__':
    main()
