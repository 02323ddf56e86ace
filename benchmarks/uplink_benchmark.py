"""The operator link through a real mosquitto: the uplink node (launch/uplink.launch.xml) fed by this script's ROS
node with defect detections (and the annotated frames that become thumbnails), the operator's MQTT client receiving.

    python benchmarks/uplink_benchmark.py [--rate 100] [--image-rate 5] [--seconds 20] [--outage-s 600] [--budget 2000]

Figures: sustained alerts/s and ROS publish -> operator receive latency p50 / p99 at --rate (alerts alone); the same
with each alert's annotated frame as a thumbnail at --image-rate, and bytes per alert; a broker outage of --outage-s
with alerts arriving at 2/s (queued in the robot's outbox), then the backlog drain rate, loss and order; with a byte
budget of --budget bytes/s, the bytes sent per second and the share of thumbnails that went. Everything runs on this
machine (loopback), so the latency is the software's, not a cellular link's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import shutil
import tempfile
import time

from bench_report import print_figure, save_results
from fracturescope_common.image_conversion import numpy_to_image
from fracturescope_common.image_stream import IMAGE_PUBLICATION
from fracturescope_common.qos import OBSERVER_STREAM, RECORDED_RESULTS
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
from fracturescope_testing.mqtt_broker import MosquittoBroker
from fracturescope_testing.mqtt_probe import MqttProbe, MqttProbeError
import numpy as np
from sensor_msgs.msg import Image
import yaml

from fracturescope_msgs.msg import DefectDetection, LedgerBlock

ROOT = Path(__file__).resolve().parents[1]
ROBOT = 'robot-bench'
OUTAGE_RATE_HZ = 2.0


def detection(i: int, stamp_s: float) -> DefectDetection:
    msg = DefectDetection(label='crack', confidence=0.9, class_names=['crack', 'corrosion', 'leak', 'none'],
                          scores=[0.9, 0.05, 0.03, 0.02], anomaly_score=0.2, anomaly_threshold=0.5,
                          location=f'bench/{i}', model_id='fusion@bench', image_sha256=[f'{i:064x}', 'f' * 64])
    msg.header.stamp.sec, msg.header.stamp.nanosec = int(stamp_s), int((stamp_s % 1) * 1e9)
    return msg


def config_dir(work: Path, **uplink: object) -> Path:
    """A copy of config/ whose uplink.yaml has these parameters changed."""
    folder = work / f'config-{len(list(work.glob("config-*")))}'
    shutil.copytree(ROOT / 'config', folder)
    path = folder / 'uplink.yaml'
    document = yaml.safe_load(path.read_text())
    document['/**/uplink']['ros__parameters'].update(uplink)
    path.write_text(yaml.safe_dump(document))
    return folder


class Feed:
    """This script's ROS side, as the robot's nodes publish: a detection on `defects`, its annotated frame on
    `defects/image` (the detector), then its block on `ledger/blocks` (the ledger)."""

    def __init__(self, probe: GraphProbe, with_images: bool) -> None:
        self.probe = probe
        self.defects = probe.node.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS)
        self.images = probe.node.create_publisher(Image, 'defects/image', IMAGE_PUBLICATION) if with_images else None
        self.blocks = probe.node.create_publisher(LedgerBlock, 'ledger/blocks', OBSERVER_STREAM)
        self.sent: dict[int, float] = {}     # stamp ns -> publish wall time
        self._frame = np.random.default_rng(0).integers(0, 255, (256, 512, 3), dtype=np.uint8)   # the view

    def wait_for_uplink(self) -> None:
        publishers = [self.defects, self.blocks] + ([self.images] if self.images is not None else [])
        assert self.probe.spin_until(lambda: all(p.get_subscription_count() for p in publishers), 60.0), \
            'the uplink did not subscribe'

    def publish(self, rate_hz: float, seconds: float) -> None:
        period, start = 1.0 / rate_hz, time.monotonic()
        for n in range(round(rate_hz * seconds)):
            self.probe.spin_until(lambda: False, max(0.0, start + n * period - time.monotonic()))
            now = time.time()
            msg = detection(len(self.sent), now)
            self.defects.publish(msg)
            self.sent[msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec] = now
            if self.images is not None:
                self.images.publish(numpy_to_image(self._frame, 'rgb8', msg.header))
            block = LedgerBlock(index=len(self.sent), record_type='defect', image_sha256=list(msg.image_sha256),
                                hash=f'{len(self.sent):064x}')
            block.source_stamp = msg.header.stamp
            self.blocks.publish(block)


def receive_all(operator: MqttProbe, expected: set[int], timeout_s: float) -> list[tuple[float, dict, int]]:
    """(arrival wall time, alert, payload bytes) until every stamp in `expected` arrived."""
    got, seen, deadline = [], set(), time.monotonic() + timeout_s
    while not expected <= seen and time.monotonic() < deadline:
        try:
            message = operator.next_message(min(5.0, max(0.1, deadline - time.monotonic())))
        except MqttProbeError:
            continue
        if '/alerts/defect' not in message.topic:
            continue
        alert = json.loads(message.payload)
        got.append((message.wall_s, alert, len(message.payload) + len(message.topic)))
        seen.add(alert['stamp_ns'])
    return got


def operator_of(broker: MosquittoBroker) -> MqttProbe:
    operator = MqttProbe(broker.endpoint(), 'bench-operator', clean_session=False)
    assert operator.connect().value == 0
    operator.subscribe(f'fracturescope/{ROBOT}/alerts/#')
    return operator


def launch_args(broker: MosquittoBroker, work: Path, config: Path) -> dict[str, str]:
    endpoint = broker.endpoint()
    key = work / 'operator.pub'
    key.write_text('00' * 32 + '\n')
    return {'robot_id': ROBOT, 'broker_host': endpoint.host, 'broker_port': str(endpoint.port),
            'state_dir': str(work / f'state-{config.name}'), 'operator_public_key': str(key),
            'config_dir': str(config)}


def steady(feed: Feed, operator: MqttProbe, rate_hz: float, seconds: float) -> dict:
    """Publish at `rate_hz` for `seconds`; what reached the operator."""
    first = len(feed.sent)
    feed.publish(rate_hz, seconds)
    sent = dict(list(feed.sent.items())[first:])
    got = receive_all(operator, set(sent), 60.0)
    arrived = {a['stamp_ns']: t for t, a, _ in got if a['stamp_ns'] in sent}
    latency_ms = np.array([(arrived[s] - sent[s]) * 1e3 for s in sent if s in arrived])
    return {'offered_per_s': rate_hz, 'received_per_s': len(arrived) / (max(arrived.values()) - min(sent.values())),
            'lost': len(sent) - len(arrived), 'latency_ms_p50': float(np.percentile(latency_ms, 50)),
            'latency_ms_p99': float(np.percentile(latency_ms, 99)),
            'bytes_per_alert': float(np.mean([n for _, _, n in got])),
            'thumbnail_share': sum('thumbnail' in a for _, a, _ in got) / max(1, len(got))}


def print_steady(name: str, figures: dict) -> None:
    offered = figures['offered_per_s']
    print_figure(f'{name}: alerts received per s', figures['received_per_s'], f'>= 95 % of {offered:g}/s',
                 figures['received_per_s'] >= 0.95 * offered)
    print_figure(f'{name}: ROS publish -> operator p50 (ms)', figures['latency_ms_p50'], 'report', None)
    print_figure(f'{name}: ROS publish -> operator p99 (ms)', figures['latency_ms_p99'], 'report', None)
    print_figure(f'{name}: bytes per alert (MQTT payload + topic)', figures['bytes_per_alert'], 'report', None)
    print_figure(f'{name}: share of alerts with a thumbnail', figures['thumbnail_share'], 'report', None)


def sustained(args: argparse.Namespace, work: Path, figures: dict) -> None:
    """The alert path alone (no thumbnails) at --rate."""
    env = isolated_ros_env()
    with MosquittoBroker(work / 'broker-sustained') as broker:   # started
        operator = operator_of(broker)
        config = config_dir(work, repeat_s=0.0, thumbnail_topic='')
        with launched(ROOT / 'launch' / 'uplink.launch.xml', launch_args(broker, work, config), env=env,
                      log_dir=work / 'logs-sustained'), GraphProbe(env, 'uplink_bench') as probe:
            feed = Feed(probe, with_images=False)
            feed.wait_for_uplink()
            figures['sustained'] = steady(feed, operator, args.rate, args.seconds)
        operator.disconnect()
    print_steady('sustained', figures['sustained'])


def thumbnails_and_outage(args: argparse.Namespace, work: Path, figures: dict) -> None:
    """As on the robot: each detection's annotated frame (the detector's 512 x 256 view) becomes its thumbnail, at
    --image-rate; then the broker outage."""
    env = isolated_ros_env()
    with MosquittoBroker(work / 'broker') as broker:   # started
        operator = operator_of(broker)
        config = config_dir(work, repeat_s=0.0)
        with launched(ROOT / 'launch' / 'uplink.launch.xml', launch_args(broker, work, config), env=env,
                      log_dir=work / 'logs'), GraphProbe(env, 'uplink_bench') as probe:
            feed = Feed(probe, with_images=True)
            feed.wait_for_uplink()
            figures['with_thumbnails'] = steady(feed, operator, args.image_rate, args.seconds)
            print_steady('with thumbnails', figures['with_thumbnails'])

            # The outage: the broker stops; alerts keep coming and wait in the robot's outbox.
            broker.stop()
            operator.disconnect()
            before = len(feed.sent)
            feed.publish(OUTAGE_RATE_HZ, args.outage_s)
            queued = set(list(feed.sent)[before:])
            broker.start()
            back = time.time()
            operator.connect()
            got = receive_all(operator, queued, 600.0)
            arrivals = [t for t, a, _ in got if a['stamp_ns'] in queued]
            drained_s = max(arrivals) - min(arrivals)
            stamps = [a['stamp_ns'] for _, a, _ in got if a['stamp_ns'] in queued]
            unique = list(dict.fromkeys(stamps))
            figures.update(outage_s=args.outage_s, outage_alerts=len(queued), outage_lost=len(queued - set(unique)),
                           outage_duplicates=len(stamps) - len(unique), outage_in_order=unique == sorted(unique),
                           reconnected_after_s=min(arrivals) - back, drain_s=drained_s,
                           drain_alerts_per_s=len(queued) / max(drained_s, 1e-3),
                           drain_thumbnail_share=sum('thumbnail' in a for _, a, _ in got) / max(1, len(got)))
            print_figure(f'outage {args.outage_s:g} s: alerts queued', len(queued), 'report', None)
            print_figure('outage: alerts lost', figures['outage_lost'], '0', figures['outage_lost'] == 0)
            print_figure('outage: kept in order (1 = yes)', float(figures['outage_in_order']), '1',
                         figures['outage_in_order'])
            print_figure('outage: first alert after the broker is back (s)', figures['reconnected_after_s'],
                         'report (reconnect backoff)', None)
            print_figure('outage: backlog drained, alerts per s', figures['drain_alerts_per_s'], 'report', None)
            print_figure('outage: share of the backlog with a thumbnail', figures['drain_thumbnail_share'],
                         'report (left out above thumbnail_backlog)', None)
        operator.disconnect()


def budget(args: argparse.Namespace, work: Path, figures: dict) -> None:
    env = isolated_ros_env()
    with MosquittoBroker(work / 'broker-budget') as broker:
        operator = operator_of(broker)
        config = config_dir(work, repeat_s=0.0, bandwidth_bytes_per_s=float(args.budget))
        with launched(ROOT / 'launch' / 'uplink.launch.xml', launch_args(broker, work, config), env=env,
                      log_dir=work / 'logs-budget'), GraphProbe(env, 'uplink_budget') as probe:
            feed = Feed(probe, with_images=True)
            feed.wait_for_uplink()
            started = time.time()
            feed.publish(1.0, args.budget_seconds)
            got = receive_all(operator, set(feed.sent), 120.0)
        operator.disconnect()
    span = max(t for t, _, _ in got) - started
    sent_bytes = sum(n + 8 for _, _, n in got)   # payload + topic + MQTT framing, as the budget counts it
    burst_s = yaml.safe_load((ROOT / 'config' / 'uplink.yaml').read_text())['/**/uplink']['ros__parameters'][
        'bandwidth_burst_s']
    # The bucket starts full: one burst (budget x burst_s) may go at once, the rest at the budget's rate.
    steady = (sent_bytes - args.budget * burst_s) / span
    figures.update(budget_bytes_per_s=args.budget, budget_span_s=span, budget_sent_bytes_per_s=sent_bytes / span,
                   budget_steady_bytes_per_s=steady,
                   budget_thumbnail_share=sum('thumbnail' in a for _, a, _ in got) / max(1, len(got)),
                   budget_lost=len(set(feed.sent) - {a['stamp_ns'] for _, a, _ in got}))
    print_figure('budget: bytes per s sent, all', figures['budget_sent_bytes_per_s'], 'report', None)
    print_figure(f'budget: bytes per s sent beyond the first {burst_s:g} s burst', steady,
                 f'<= {args.budget:,.0f}', steady <= args.budget)
    print_figure('budget: share of alerts with a thumbnail', figures['budget_thumbnail_share'], 'report', None)
    print_figure('budget: alerts lost', figures['budget_lost'], '0', figures['budget_lost'] == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rate', type=float, default=100.0, help='offered alerts per s, no thumbnails (Hz)')
    parser.add_argument('--image-rate', type=float, default=5.0,
                        help='offered alerts per s with their annotated frames, the camera rate (Hz)')
    parser.add_argument('--seconds', type=float, default=20.0, help='length of the sustained run (s)')
    parser.add_argument('--outage-s', type=float, default=600.0, help='broker outage (s)')
    parser.add_argument('--budget', type=float, default=2000.0, help='byte budget of the metered link (bytes/s)')
    parser.add_argument('--budget-seconds', type=float, default=60.0, help='length of the budget run (s)')
    args = parser.parse_args()
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix='uplink-bench-') as work:
        sustained(args, Path(work), figures)
        thumbnails_and_outage(args, Path(work), figures)
        budget(args, Path(work), figures)
    save_results('uplink', figures, {'sustained': 'received >= 95 % of offered', 'outage_lost': 0,
                                     'outage_in_order': True, 'budget_steady': '<= budget'},
                 rate=args.rate, image_rate=args.image_rate, seconds=args.seconds, outage_s=args.outage_s,
                 budget=args.budget)


if __name__ == '__main__':
    main()
