"""Integration: the simulated line camera and the Edge-Eye tracker as separate processes over DDS, started from
launch/edge_eye.launch.xml (the file sim.launch.xml includes)."""

import hashlib
from pathlib import Path
import subprocess
import sys
import time

from fracturescope_common.image_stream import IMAGE_PUBLICATION, IMAGE_SUBSCRIPTION
from fracturescope_common.image_subscription import READER_RENEWALS
from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_common.stamps import to_ns
from fracturescope_perception.diagnostics_contract import BAD_IMAGE, BAD_STAMP, BAR, BLANK_FRAME, EDGE_TRACKER, STATUS
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest
from sensor_msgs.msg import Image

from fracturescope_msgs.msg import EdgeMeasurement

REPO_ROOT = Path(__file__).resolve().parents[3]
LAUNCH = REPO_ROOT / 'launch' / 'edge_eye.launch.xml'
pytestmark = pytest.mark.integration


@pytest.mark.parametrize('encoding', ['rgb8', 'mono8'])
def test_measurements_follow_the_ground_truth(tmp_path, graph_env, encoding):
    args = {'line_camera_colour': 'red', 'line_camera_encoding': encoding}
    with launched(LAUNCH, args, env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(graph_env, 'edge_probe')
        try:
            edges = probe.collect(EdgeMeasurement, 'edges', RELIABLE_EVENTS)
            truth = probe.collect(EdgeMeasurement, 'line_camera/ground_truth', RELIABLE_EVENTS)
            frames = probe.collect(Image, 'line_camera/image_raw', IMAGE_SUBSCRIPTION)   # best effort: never slows it
            observed = watch_graph(probe)

            def measured():
                by_stamp = {to_ns(t.header.stamp): t for t in truth}
                return [(e, by_stamp[to_ns(e.header.stamp)]) for e in edges if to_ns(e.header.stamp) in by_stamp]
            assert probe.spin_until(
                lambda: sum(e.status == EdgeMeasurement.STATUS_OK for e, _ in measured()) >= 60, 60.0), \
                f'{len(edges)} measurements, {len(truth)} truths'
            pairs = measured()
            errors = [max(abs(e.left_mm - t.left_mm), abs(e.right_mm - t.right_mm)) for e, t in pairs
                      if e.status == EdgeMeasurement.STATUS_OK and t.status == EdgeMeasurement.STATUS_OK]
            # The tracker only knows its chessboard calibration, not the simulator's lens.
            assert sum(errors) / len(errors) < 1.5 and max(errors) < 5.0, errors
            for e, t in pairs:
                assert e.image_sha256 == t.image_sha256 and len(e.image_sha256) == 64
                if t.status == EdgeMeasurement.STATUS_NO_MATERIAL:
                    assert e.status == EdgeMeasurement.STATUS_NO_MATERIAL and e.left_mm == e.right_mm == 0.0
            ok = [e for e, _ in pairs if e.status == EdgeMeasurement.STATUS_OK]
            assert all(e.left_bar == e.right_bar == EdgeMeasurement.BAR_WHITE for e in ok)  # red sheet: white bar
            assert all(0.0 < e.processing_ms < 200.0 and e.latency_ms > 0.0 for e in ok)
            assert all(e.width_mm == pytest.approx(e.right_mm - e.left_mm) for e in ok)
            assert probe.spin_until(lambda: observed.at_least(EDGE_TRACKER, STATUS['ok'], 1), 5.0)
            assert observed.read(EDGE_TRACKER)[BAR] == 'white'
            channels = {'rgb8': 3, 'mono8': 1}[encoding]
            assert frames and all(f.encoding == encoding and f.step == channels * f.width for f in frames)
            assert all(graph.alive().values())
        finally:
            probe.close()


def test_bad_frames_get_a_clear_status_and_the_node_keeps_running(tmp_path, graph_env):
    with launched(LAUNCH, env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(graph_env, 'edge_probe')
        try:
            edges = probe.collect(EdgeMeasurement, 'edges', RELIABLE_EVENTS)
            observed = watch_graph(probe)
            publisher = probe.node.create_publisher(Image, 'line_camera/image_raw', IMAGE_PUBLICATION)
            assert probe.spin_until(lambda: len(edges) > 5, 30.0), 'tracker never measured the camera'
            bad = {
                'small': Image(height=480, width=640, encoding='rgb8', step=640 * 3, data=bytes(640 * 480 * 3)),
                'yuv': Image(height=1080, width=1920, encoding='yuv422', step=1920 * 2,
                             data=bytes(1920 * 1080 * 2)),
                'black': Image(height=1080, width=1920, encoding='rgb8', step=1920 * 3,
                               data=bytes(1920 * 1080 * 3)),
                'white': Image(height=1080, width=1920, encoding='mono8', step=1920, data=b'\xff' * (1920 * 1080)),
                'huge': Image(height=2200, width=1920, encoding='rgb8', step=1920 * 3,    # over max_image_bytes
                              data=b'\x02' * (1920 * 2200 * 3)),
            }
            digests = {hashlib.sha256(bytes(image.data)).hexdigest(): name for name, image in bad.items()}

            def ours():
                return {digests[e.image_sha256]: e for e in edges if e.image_sha256 in digests}
            # The simulated camera goes on at 30 fps beside them and the tracker keeps the newest frames (sensor
            # QoS), so a loaded machine may drop one: each is sent again until it has its measurement.
            deadline = time.monotonic() + 30.0
            while len(ours()) < len(bad) and time.monotonic() < deadline:
                for name, image in bad.items():
                    if name not in ours():   # stamped now, as a camera does; told apart by their data
                        image.header.stamp = probe.node.get_clock().now().to_msg()
                        publisher.publish(image)
                        probe.spin_until(lambda: False, 0.2)
                probe.spin_until(lambda: len(ours()) == len(bad), 2.0)
            assert len(ours()) == len(bad), ours()
            forged = Image(height=1080, width=1920, encoding='rgb8', step=1920 * 3, data=b'\x01' * (1920 * 1080 * 3))
            forged.header.stamp.sec = 2_147_483_647     # stamped 2038: refused, no measurement from it
            for _ in range(20):                          # again until counted, as above
                publisher.publish(forged)
                if probe.spin_until(lambda: observed.at_least(EDGE_TRACKER, BAD_STAMP, 1), 1.0):
                    break
            for name in bad:
                assert ours()[name].status == EdgeMeasurement.STATUS_UNRECOGNISED, name
            assert probe.spin_until(lambda: observed.at_least(EDGE_TRACKER, BAD_IMAGE, 3) and
                                    observed.at_least(EDGE_TRACKER, BLANK_FRAME, 2) and
                                    observed.at_least(EDGE_TRACKER, BAD_STAMP, 1), 5.0), \
                observed.statuses.get('/edge_tracker')
            assert not any(e.image_sha256 == hashlib.sha256(bytes(forged.data)).hexdigest() for e in edges)
            # the huge frame's reader was made anew (its memory given back), and the camera is read again
            assert probe.spin_until(lambda: observed.at_least(EDGE_TRACKER, READER_RENEWALS, 1), 10.0)
            count = len(edges)
            assert probe.spin_until(lambda: len(edges) > count + 10, 10.0), 'tracker stopped after bad frames'
            assert all(graph.alive().values())
        finally:
            probe.close()


def test_tracker_without_its_config_says_what_is_missing(graph_env):
    result = subprocess.run([sys.executable, '-m', 'fracturescope_perception.nodes.edge_tracker'], env=graph_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "cannot start: node 'edge_tracker' started without parameter(s) width, height" in result.stderr
    assert 'Traceback' not in result.stderr
