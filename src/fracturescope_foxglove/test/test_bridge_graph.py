"""Integration: the Foxglove bridge started from launch/foxglove.launch.xml and this test's own node, publishing a
camera's images (best effort, as REP-2003 asks of drivers) and a detection (latched, as the defect detector keeps
its results), as separate processes over DDS; a Foxglove WebSocket client (ws_client.py) where the app would be."""

from collections.abc import Callable
from pathlib import Path
import socket
import subprocess
import sys
import time

import cv2
from fracturescope_common.image_conversion import numpy_to_image
from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION
from fracturescope_common.message_definitions import parse_full_text
from fracturescope_common.qos import RECORDED_RESULTS
from fracturescope_common.stamps import to_ns
from fracturescope_foxglove.diagnostics_contract import (
    CHANNELS,
    COMPRESSED,
    COMPRESSING,
    FORWARDED,
    FOXGLOVE_BRIDGE,
    ROS_SUBSCRIPTIONS,
    URL,
    WATCHED,
)
from fracturescope_foxglove.ws_client import FoxgloveClient, MessageData, main
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import numpy as np
import pytest
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import CompressedImage, Image, RegionOfInterest

from fracturescope_msgs.msg import DefectDetection, DefectRegion

REPO_ROOT = Path(__file__).resolve().parents[3]
LAUNCH = REPO_ROOT / 'launch' / 'foxglove.launch.xml'
WIDTH, HEIGHT = 160, 120
pytestmark = pytest.mark.integration


def frame(index: int) -> np.ndarray:
    """A smooth RGB picture, different for every index (so a frame is told apart from its neighbours)."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    shift = 9 * index
    rgb = np.stack([(x + shift) % WIDTH / WIDTH * 255, y / HEIGHT * 255,
                    128 + 100 * np.sin((x + y + shift) / 17.0)], axis=2)
    rgb[30:70, 40 + index % 50:90 + index % 50] = (250, 40, 30)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def detection() -> DefectDetection:
    sent = DefectDetection(label='crack', confidence=0.875, class_names=['crack', 'corrosion', 'leak', 'none'],
                           scores=[0.875, 0.0625, 0.03125, 0.03125], anomaly_score=0.25, anomaly_threshold=0.5,
                           location='bridge-7/pier-3/north-face', model_id='fusion-resnet18-int8@3f2a9c1b',
                           inference_ms=12.5)
    sent.header.stamp.sec, sent.header.stamp.nanosec, sent.header.frame_id = 1_700_000_000, 123, 'rgb_optical'
    sent.regions = [DefectRegion(roi=RegionOfInterest(x_offset=10, y_offset=20, width=30, height=40), label='crack',
                                 confidence=0.875, scores=[0.875, 0.0625, 0.03125, 0.03125], anomaly_score=0.25)]
    return sent


class Camera:
    """Publishes a new frame at most every `period_s`, remembering each by its stamp."""

    def __init__(self, probe: GraphProbe, period_s: float = 0.1) -> None:
        self._probe = probe
        self._publisher = probe.node.create_publisher(Image, 'camera/image_raw', IMAGE_SUBSCRIPTION)
        self._period_s = period_s
        self._next = 0.0
        self.sent: dict[int, np.ndarray] = {}

    def tick(self) -> None:
        if time.monotonic() < self._next:
            return
        self._next = time.monotonic() + self._period_s
        pixels = frame(len(self.sent))
        image = numpy_to_image(pixels, 'rgb8')
        image.header.stamp = self._probe.node.get_clock().now().to_msg()
        self.sent[to_ns(image.header.stamp)] = pixels
        self._publisher.publish(image)


def run_until(probe: GraphProbe, camera: Camera, done: Callable[[], bool], timeout_s: float,
              client: FoxgloveClient | None = None, received: list[MessageData] | None = None) -> bool:
    """Publish frames, spin the probe and read the client until `done()`; False if it still is not after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        camera.tick()
        probe.spin_until(lambda: False, 0.02)
        if client is not None:
            event = client.poll(0.02)
            if isinstance(event, MessageData) and received is not None:
                received.append(event)
        if done():
            return True
    return done()


def jpeg_matches(camera: Camera, jpeg: CompressedImage) -> float:
    """Mean absolute difference (grey levels) between the JPEG and the frame published with its stamp."""
    assert jpeg.format == 'jpeg'
    decoded = cv2.imdecode(np.frombuffer(bytes(jpeg.data), np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape == (HEIGHT, WIDTH, 3)
    sent = camera.sent[to_ns(jpeg.header.stamp)]
    return float(np.abs(decoded[..., ::-1].astype(np.int16) - sent.astype(np.int16)).mean())


def test_bridge_serves_compressed_images_and_detections_only_while_watched(tmp_path, graph_env, capsys):
    with launched(LAUNCH, {'foxglove_port': '0', 'foxglove_host': '127.0.0.1'}, env=graph_env,
                  log_dir=tmp_path / 'logs') as graph, GraphProbe(graph_env, 'foxglove_probe') as probe:
        observed = watch_graph(probe)
        camera = Camera(probe)
        sent = detection()
        probe.node.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS).publish(sent)

        def bridge() -> dict:
            return {key: observed.read(FOXGLOVE_BRIDGE)[key] for key in
                    (URL, CHANNELS, WATCHED, ROS_SUBSCRIPTIONS, COMPRESSING, COMPRESSED, FORWARDED)}

        # Nobody watches: frames flow, yet the bridge neither subscribes to them nor compresses anything.
        assert run_until(probe, camera, lambda: observed.reported(FOXGLOVE_BRIDGE) and bridge()[CHANNELS] >= 3, 60.0)
        run_until(probe, camera, lambda: False, 3.0)
        idle = bridge()
        assert (idle[COMPRESSED], idle[ROS_SUBSCRIPTIONS], idle[COMPRESSING], idle[FORWARDED]) == (0, 0, 0, 0), idle
        readers = {info.node_name for info in probe.node.get_subscriptions_info_by_topic('/camera/image_raw')}
        assert 'foxglove_bridge' not in readers and len(camera.sent) > 20

        with FoxgloveClient(idle[URL]) as client:
            jpeg_channel = client.channel('/camera/image_raw/compressed', 10.0)
            detection_channel = client.channel('/defects', 10.0)
            assert client.channel('/camera/image_raw', 10.0)['schemaName'] == 'sensor_msgs/msg/Image'
            assert (jpeg_channel['encoding'], jpeg_channel['schemaEncoding'], jpeg_channel['schemaName']) == \
                ('cdr', 'ros2msg', 'sensor_msgs/msg/CompressedImage')
            assert set(parse_full_text(jpeg_channel['schema'])) == {'', 'std_msgs/Header', 'builtin_interfaces/Time'}
            assert detection_channel['schemaName'] == 'fracturescope_msgs/msg/DefectDetection'
            assert 'fracturescope_msgs/DefectRegion' in parse_full_text(detection_channel['schema'])

            jpeg_subscription = client.subscribe(jpeg_channel['id'])
            detection_subscription = client.subscribe(detection_channel['id'])
            received: list[MessageData] = []

            def of(subscription: int) -> list[MessageData]:
                return [m for m in received if m.subscription_id == subscription]
            assert run_until(probe, camera, lambda: len(of(jpeg_subscription)) >= 3 and of(detection_subscription),
                             30.0, client, received), [m.subscription_id for m in received]

            jpegs = [deserialize_message(m.payload, CompressedImage) for m in of(jpeg_subscription)]
            errors = [jpeg_matches(camera, jpeg) for jpeg in jpegs]
            assert max(errors) < 4.0, errors               # JPEG at quality 80 of a smooth picture
            neighbour = camera.sent[max(t for t in camera.sent if t < to_ns(jpegs[-1].header.stamp))]
            decoded = cv2.imdecode(np.frombuffer(bytes(jpegs[-1].data), np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
            assert np.abs(decoded.astype(np.int16) - neighbour).mean() > 4 * max(errors)   # the comparison can fail
            now_ns = time.time_ns()
            assert all(abs(m.log_time_ns - now_ns) < 30e9 for m in received)       # receive time, node clock

            got = deserialize_message(of(detection_subscription)[0].payload, DefectDetection)
            assert (got.label, got.class_names, got.location, got.model_id, got.header.frame_id) == \
                (sent.label, sent.class_names, sent.location, sent.model_id, sent.header.frame_id)
            assert to_ns(got.header.stamp) == to_ns(sent.header.stamp)
            assert list(got.scores) == list(sent.scores) and got.confidence == sent.confidence
            assert [(r.roi.x_offset, r.roi.y_offset, r.roi.width, r.roi.height, r.label) for r in got.regions] == \
                [(10, 20, 30, 40, 'crack')]
            assert run_until(probe, camera, lambda: bridge()[COMPRESSED] >= 3 and bridge()[ROS_SUBSCRIPTIONS] == 2
                             and bridge()[WATCHED] == 2 and bridge()[COMPRESSING] == 1, 10.0, client), bridge()

        # The client is gone: the bridge lets go of both topics and compresses nothing more.
        assert run_until(probe, camera, lambda: bridge()[ROS_SUBSCRIPTIONS] == 0 and bridge()[WATCHED] == 0, 10.0), \
            bridge()
        compressed = bridge()[COMPRESSED]
        run_until(probe, camera, lambda: False, 3.0)
        assert bridge()[COMPRESSED] == compressed

        # A ROS node subscribing to the compressed topic (image_transport's name) is someone watching too.
        ros_jpegs = probe.collect(CompressedImage, 'camera/image_raw/compressed', IMAGE_SUBSCRIPTION)
        assert run_until(probe, camera, lambda: len(ros_jpegs) >= 2, 20.0), bridge()
        assert max(jpeg_matches(camera, jpeg) for jpeg in ros_jpegs) < 4.0
        assert bridge()[ROS_SUBSCRIPTIONS] == 1 and bridge()[COMPRESSING] == 1

        main([idle[URL]])                              # fracturescope-foxglove-check lists the channels
        listed = capsys.readouterr().out.splitlines()
        assert '/camera/image_raw/compressed  sensor_msgs/msg/CompressedImage  (cdr)' in listed
        assert '/defects  fracturescope_msgs/msg/DefectDetection  (cdr)' in listed
        assert all(graph.alive().values())


def test_a_port_already_taken_stops_the_bridge_with_the_reason(graph_env):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, '-m', 'fracturescope_foxglove.nodes.foxglove_bridge', '--ros-args', '--params-file',
             str(REPO_ROOT / 'config' / 'foxglove.yaml'), '-p', f'port:={port}', '-p', 'host:=127.0.0.1'],
            env=graph_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f'cannot start: cannot serve ws://127.0.0.1:{port}' in result.stderr and 'in use' in result.stderr
    assert 'Traceback' not in result.stderr
