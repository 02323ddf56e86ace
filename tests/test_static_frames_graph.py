"""The static frames node as a process, started by its launch file: a viewer that joins later still gets every frame
of config/frames.yaml from tf_static (latched, as tf2's static broadcaster), and a file that is no tree of frames
stops the node with the reason."""

from pathlib import Path
import subprocess
import sys

from fracturescope_common.qos import STATIC_TF
from fracturescope_common.static_frames import load_frames
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest
from tf2_msgs.msg import TFMessage

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def test_a_late_viewer_gets_every_configured_frame_on_tf_static(tmp_path):
    env = isolated_ros_env()
    with launched(ROOT / 'launch' / 'frames.launch.xml', {}, env=env, log_dir=tmp_path) as graph, \
            GraphProbe(env, 'tf_viewer') as probe:
        assert graph.wait_for_output('static_frames', 'static frames on /tf_static', 30.0), graph.output(
            'static_frames')
        received = probe.collect(TFMessage, '/tf_static', STATIC_TF)   # joins after the one publication
        assert probe.spin_until(lambda: received, 15.0), 'nothing on /tf_static for a late subscriber'
    (message,) = received
    expected = load_frames(ROOT / 'config' / 'frames.yaml')
    assert [(t.header.frame_id, t.child_frame_id) for t in message.transforms] == [(f.parent, f.child)
                                                                                  for f in expected]
    for transform, frame in zip(message.transforms, expected, strict=True):
        t, q = transform.transform.translation, transform.transform.rotation
        assert (t.x, t.y, t.z) == frame.xyz_m
        assert (q.x, q.y, q.z, q.w) == pytest.approx(frame.quaternion)


def test_a_file_that_is_no_tree_of_frames_stops_the_node_with_the_reason(tmp_path):
    frames = tmp_path / 'frames.yaml'
    frames.write_text('frames:\n  - {parent: base_link, child: cam, xyz_m: [0, 0, 0], rpy_deg: [0, 0, 0]}\n'
                      '  - {parent: odom, child: cam, xyz_m: [0, 0, 0], rpy_deg: [0, 0, 0]}\n')
    result = subprocess.run(
        [sys.executable, '-m', 'fracturescope_common.nodes.static_frames', '--ros-args', '--params-file',
         str(ROOT / 'config' / 'static_frames.yaml'), '-p', f'frames_file:={frames}'],
        env=isolated_ros_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f'cannot start: {frames}: frames[1]: cam already has the parent base_link' in result.stderr
    assert 'Traceback' not in result.stderr
