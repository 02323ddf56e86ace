"""The RViz configs shipped with the bring-up (config/fracturescope.rviz, the robot; config/fracturescope_line.rviz,
the line): this machine cannot run RViz, so the test checks what RViz would need from the running simulated graph:
every display's topic is published, with the type that display reads (and a Camera display's CameraInfo beside its
image), and every frame the markers and the camera image are drawn in reaches the view's fixed frame through the
static transforms on tf_static."""

from pathlib import Path

from fracturescope_common.camera_info import camera_info_topic
from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION
from fracturescope_common.qos import OBSERVER_STREAM, STATIC_TF
from fracturescope_common.static_frames import frame_chain
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest
from sensor_msgs.msg import Image
from tf2_msgs.msg import TFMessage
from visualization_msgs.msg import MarkerArray
import yaml

ROOT = Path(__file__).resolve().parents[1]
RVIZ = (ROOT / 'config' / 'fracturescope.rviz', ROOT / 'config' / 'fracturescope_line.rviz')
pytestmark = pytest.mark.integration
# What each RViz display class subscribes to (rviz_default_plugins).
DISPLAY_TYPES = {'rviz_default_plugins/Image': 'sensor_msgs/msg/Image',
                 'rviz_default_plugins/Camera': 'sensor_msgs/msg/Image',
                 'rviz_default_plugins/MarkerArray': 'visualization_msgs/msg/MarkerArray'}
NO_TOPIC = {'rviz_default_plugins/Grid', 'rviz_default_plugins/TF'}   # TF: /tf and /tf_static, checked below


def wanted_topics() -> dict[str, str]:
    displays = [display for config in RVIZ for display in yaml.safe_load(config.read_text())['Visualization Manager'][
        'Displays']]
    wanted = {}
    for display in displays:
        if display['Class'] in NO_TOPIC:
            continue
        assert display['Class'] in DISPLAY_TYPES, f'{display["Name"]}: display class not checked here'
        topic = '/' + display['Topic']['Value'].lstrip('/')
        wanted[topic] = DISPLAY_TYPES[display['Class']]
        if display['Class'] == 'rviz_default_plugins/Camera':
            wanted[camera_info_topic(topic)] = 'sensor_msgs/msg/CameraInfo'
    return wanted


def test_every_rviz_display_finds_its_topic_and_type_in_the_simulated_graph(tmp_path):
    wanted = wanted_topics()
    assert len(wanted) >= 7
    env = isolated_ros_env()
    with launched(ROOT / 'launch' / 'sim.launch.xml', {'ledger_dir': str(tmp_path / 'ledger')}, env=env,
                  log_dir=tmp_path / 'logs'), GraphProbe(env, 'rviz_probe') as probe:
        def published() -> dict[str, set[str]]:
            return {topic: {info.topic_type for info in probe.node.get_publishers_info_by_topic(topic)}
                    for topic in wanted}

        probe.spin_until(lambda: all(wanted[t] in types for t, types in published().items()), 60.0)
        missing = {topic: (wanted[topic], types) for topic, types in published().items() if wanted[topic] not in types}
        assert not missing, f'RViz displays without a publisher of their type: {missing}'
        # every frame the displays draw in reaches the view's fixed frame through tf_static (config/frames.yaml)
        static = probe.collect(TFMessage, '/tf_static', STATIC_TF)
        line_markers = probe.collect(MarkerArray, 'line/markers', OBSERVER_STREAM)
        defect_markers = probe.collect(MarkerArray, 'defects/markers', OBSERVER_STREAM)
        images = probe.collect(Image, 'camera/rgb/image_raw', IMAGE_SUBSCRIPTION)
        assert probe.spin_until(lambda: static and images and any(len(m.markers) > 3 for m in line_markers)
                                and any(m.markers for m in defect_markers), 30.0), \
            (len(static), len(images), len(line_markers), len(defect_markers))
    transforms = [t for message in static for t in message.transforms]
    drawn = {RVIZ[0]: {marker.header.frame_id for m in defect_markers for marker in m.markers}
             | {image.header.frame_id for image in images},
             RVIZ[1]: {marker.header.frame_id for m in line_markers for marker in m.markers}}
    for config, frames in drawn.items():
        fixed = yaml.safe_load(config.read_text())['Visualization Manager']['Global Options']['Fixed Frame']
        unreachable = {frame for frame in frames if fixed not in frame_chain(frame, transforms)}
        assert frames and not unreachable, f'{config.name}: no transform from {unreachable} to {fixed}'
