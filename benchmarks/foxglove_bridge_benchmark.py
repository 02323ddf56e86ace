"""Foxglove bridge over the simulated graph (sim.launch.xml foxglove:=true): what a Foxglove client receives per
image topic, raw and as JPEG (size, frames and bytes per second), the JPEG's cost and error on the line camera's
1080p frames, and the bridge process's CPU while nobody watches and while a client watches the line camera.

    python benchmarks/foxglove_bridge_benchmark.py [--seconds 10]

The client is fracturescope_foxglove.ws_client on this machine (loopback), so the figures are the bridge's output,
not a Wi-Fi link's throughput; config/foxglove.yaml as shipped (JPEG quality 80, at most 5 frames/s per image topic).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import tempfile
import time

from bench_report import print_figure, save_results
import cv2
from fracturescope_common.image_conversion import as_rgb
from fracturescope_foxglove.diagnostics_contract import FOXGLOVE_BRIDGE, URL
from fracturescope_foxglove.image_compression import compress
from fracturescope_foxglove.ws_client import FoxgloveClient, MessageData
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import numpy as np
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import CompressedImage, Image

ROOT = Path(__file__).resolve().parents[1]
IMAGE_TOPICS = ('/line_camera/image_raw', '/defects/image', '/edges/debug_image', '/thermal_monitor/annotated',
                '/equipment_thermal/image_raw')
TICKS_PER_S = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def receive(client: FoxgloveClient, topic: str, seconds: float) -> list[MessageData]:
    """Everything one subscription to `topic` brings in `seconds`, after the first message arrived."""
    subscription = client.subscribe(client.channel(topic, 60.0)['id'])
    client.message(subscription, 60.0)
    messages, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        event = client.poll(end - time.monotonic())
        if isinstance(event, MessageData) and event.subscription_id == subscription:
            messages.append(event)
    client.unsubscribe(subscription)
    return messages


def stream_figures(messages: list[MessageData], seconds: float) -> dict:
    sizes = [len(m.payload) for m in messages]
    return {'messages': len(sizes), 'fps': len(sizes) / seconds,
            'mean_kib': float(np.mean(sizes)) / 1024 if sizes else None,
            'kib_per_s': sum(sizes) / 1024 / seconds}


def jpeg_cost(frames: list[Image], quality: int) -> dict:
    """Encode time, size and mean absolute error of JPEG on real frames, here, one core."""
    times, sizes, errors = [], [], []
    for frame in frames:
        start = time.perf_counter()
        jpeg = compress(frame, quality, 'inferno')
        times.append((time.perf_counter() - start) * 1e3)
        sizes.append(len(jpeg.data))
        decoded = cv2.imdecode(np.frombuffer(bytes(jpeg.data), np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
        errors.append(float(np.abs(decoded.astype(np.int16) - as_rgb(frame)).mean()))
    raw = frames[0].height * frames[0].step
    return {'frame': f'{frames[0].width}x{frames[0].height} {frames[0].encoding}', 'raw_kib': raw / 1024,
            'jpeg_kib_mean': float(np.mean(sizes)) / 1024, 'ratio': raw / float(np.mean(sizes)),
            'encode_ms_p50': float(np.median(times)), 'mean_abs_error_levels': float(np.mean(errors))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seconds', type=float, default=10.0, help='receiving time per topic and CPU window [s]')
    args = parser.parse_args()
    env = isolated_ros_env()
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp, \
            launched(ROOT / 'launch' / 'sim.launch.xml', {'ledger_dir': f'{tmp}/ledger', 'foxglove': 'true',
                     'foxglove_port': '0'}, env=env, log_dir=f'{tmp}/logs') as graph, \
            GraphProbe(env, 'foxglove_benchmark') as probe:
        observed = watch_graph(probe)
        assert probe.spin_until(lambda: observed.reported(FOXGLOVE_BRIDGE), 60.0), 'the bridge never reported'
        url = observed.read(FOXGLOVE_BRIDGE)[URL].replace('0.0.0.0', '127.0.0.1')
        bridge = graph.pid('foxglove_bridge')
        with FoxgloveClient(url) as client:
            client.channel('/line_camera/image_raw/compressed', 60.0)
            time.sleep(3.0)                                          # the graph settles (models loaded)
            start = cpu_seconds(bridge)
            time.sleep(args.seconds)
            figures['bridge_cpu_percent_nobody_watching'] = (cpu_seconds(bridge) - start) / args.seconds * 100
            start = cpu_seconds(bridge)
            line = receive(client, '/line_camera/image_raw/compressed', args.seconds)
            figures['bridge_cpu_percent_watching_line_camera_jpeg'] = \
                (cpu_seconds(bridge) - start) / args.seconds * 100
            streams = {'/line_camera/image_raw/compressed': stream_figures(line, args.seconds)}
            raw_line = receive(client, '/line_camera/image_raw', args.seconds)
            streams['/line_camera/image_raw'] = stream_figures(raw_line, args.seconds)
            for topic in IMAGE_TOPICS[1:]:
                name = f'{topic}/compressed'
                streams[name] = stream_figures(receive(client, name, args.seconds), args.seconds)
        figures['streams'] = streams
        frames = [deserialize_message(m.payload, Image) for m in raw_line[:20]]
        figures['line_camera_jpeg_q80'] = jpeg_cost(frames, 80)
        figures['line_camera_jpeg_q95'] = jpeg_cost(frames, 95)
        decoded = deserialize_message(line[0].payload, CompressedImage)
        assert decoded.format == 'jpeg'
    for name, value in figures.items():
        if isinstance(value, float):
            print_figure(name, value, 'report', None)
    for topic, stream in figures['streams'].items():
        print(f'{topic:<46} {stream["fps"]:5.1f} msg/s  {stream["mean_kib"] or 0:9.1f} KiB  '
              f'{stream["kib_per_s"]:9.1f} KiB/s')
    for name in ('line_camera_jpeg_q80', 'line_camera_jpeg_q95'):
        cost = figures[name]
        print(f'{name}: {cost["raw_kib"]:.0f} KiB raw -> {cost["jpeg_kib_mean"]:.0f} KiB ({cost["ratio"]:.0f}x), '
              f'{cost["encode_ms_p50"]:.1f} ms p50, mean error {cost["mean_abs_error_levels"]:.2f} levels')
    save_results('foxglove_bridge', figures, {'note': 'report: JPEG topics fit a Wi-Fi link; nothing spent unwatched'},
                 seconds=args.seconds, jpeg_quality=80, max_image_rate_hz=5.0)


if __name__ == '__main__':
    main()
