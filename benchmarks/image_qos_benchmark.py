"""Camera QoS (REP-2003): frames delivered between two processes at 1080p rgb8, 30 fps, with the project's Fast DDS
profile (config/fastdds.xml), for a reliable and a best-effort camera driver and a reliable and a best-effort reader.

    python benchmarks/image_qos_benchmark.py [--frames 150] [--fps 30]

The readers of the project (defect detector, edge tracker, thermal monitor) use IMAGE_SUBSCRIPTION (best effort);
its publishers IMAGE_PUBLICATION (reliable). A reliable reader does not match a best-effort writer at all: that row
shows what a RELIABLE subscription would lose with a REP-2003 driver.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import subprocess
import sys
import time

from bench_report import print_figure, save_results
from fracturescope_launch.isolation import isolated_ros_env
import rclpy
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

ROOT = Path(__file__).resolve().parents[1]
PUBLISHER = r'''
import sys, time
import numpy as np
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy, HistoryPolicy
from sensor_msgs.msg import Image
reliability, frames, fps = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rclpy.init()
node = rclpy.create_node('qos_camera')
qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=2,
                 reliability=ReliabilityPolicy.RELIABLE if reliability == 'reliable' else ReliabilityPolicy.BEST_EFFORT)
publisher = node.create_publisher(Image, 'camera/image_raw', qos)
deadline = time.monotonic() + 20
while publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
    rclpy.spin_once(node, timeout_sec=0.05)
time.sleep(1.0)  # discovery settles both ways
pixels = np.random.default_rng(0).integers(0, 255, (1080, 1920, 3), dtype=np.uint8).tobytes()
start = time.monotonic()
for i in range(frames):
    message = Image(height=1080, width=1920, encoding='rgb8', step=1920 * 3, data=pixels)
    message.header.frame_id = str(i)
    message.header.stamp = node.get_clock().now().to_msg()
    try:
        publisher.publish(message)
    except Exception as error:  # reliable at full rate may refuse a sample (../shared/ros2-on-pypi.md)
        print('publish failed', error, file=sys.stderr)
    time.sleep(max(0.0, start + (i + 1) / fps - time.monotonic()))
time.sleep(1.0)
node.destroy_node()
rclpy.shutdown()
'''


def run_case(publisher_reliability: str, reader_reliability: str, frames: int, fps: float) -> dict:
    env = isolated_ros_env()
    env.setdefault('FASTDDS_DEFAULT_PROFILES_FILE', str(ROOT / 'config' / 'fastdds.xml'))
    os.environ.update(env)
    rclpy.init()
    node = rclpy.create_node('qos_reader')
    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=2,
                     reliability=(ReliabilityPolicy.RELIABLE if reader_reliability == 'reliable'
                                  else ReliabilityPolicy.BEST_EFFORT))
    arrivals: list[tuple[int, float]] = []

    def on_image(message: Image) -> None:
        sent = message.header.stamp.sec + message.header.stamp.nanosec * 1e-9
        arrivals.append((int(message.header.frame_id), time.time() - sent))

    node.create_subscription(Image, 'camera/image_raw', on_image, qos)
    camera = subprocess.Popen([sys.executable, '-c', PUBLISHER, publisher_reliability, str(frames), str(fps)],
                              env=env)
    started = time.monotonic()
    while camera.poll() is None and time.monotonic() - started < 60 + frames / fps:
        rclpy.spin_once(node, timeout_sec=0.01)
    camera.wait(timeout=10)
    node.destroy_node()
    rclpy.shutdown()
    received = sorted({index for index, _ in arrivals})
    span = (received[-1] - received[0] + 1) / fps if len(received) > 1 else 0.0
    latencies = sorted(latency for _, latency in arrivals)
    return {
        'publisher': publisher_reliability, 'reader': reader_reliability, 'sent': frames,
        'received': len(received), 'delivered_fps': len(received) / span if span else 0.0,
        'latency_ms_p50': 1000 * latencies[len(latencies) // 2] if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--frames', type=int, default=150, help='frames per case (count)')
    parser.add_argument('--fps', type=float, default=30.0, help='camera rate (Hz)')
    parser.add_argument('--case', nargs=2, metavar=('PUBLISHER', 'READER'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:  # one case per process: each gets a fresh DDS participant
        print(json.dumps(run_case(*args.case, args.frames, args.fps)))
        return
    cases = []
    for publisher, reader in (('reliable', 'reliable'), ('reliable', 'best_effort'), ('best_effort', 'best_effort'),
                              ('best_effort', 'reliable')):
        output = subprocess.run([sys.executable, __file__, '--frames', str(args.frames), '--fps', str(args.fps),
                                 '--case', publisher, reader], capture_output=True, text=True, check=True).stdout
        case = json.loads(output.strip().splitlines()[-1])
        cases.append(case)
        name = f'{publisher} camera -> {reader} reader'
        print_figure(f'{name}: frames received of {case["sent"]}', case['received'], 'report', None)
        print_figure(f'{name}: delivered rate (Hz)', case['delivered_fps'], 'report', None)
    figures = {f'{c["publisher"]}_to_{c["reader"]}': c for c in cases}
    save_results('image_qos', figures, {'note': 'report: the project reads best effort, publishes reliable'},
                 image='1920x1080 rgb8', fps=args.fps)


if __name__ == '__main__':
    main()
