"""The RViz configs shipped with the bring-up (config/fracturescope.rviz, the robot; config/fracturescope_line.rviz,
the line): this machine cannot run RViz, so the test checks what RViz would need from the running simulated graph:
every display's topic is published, with the type that display reads (and a Camera display's CameraInfo beside its
image), and the line's markers are in the fixed frame of its view."""

from pathlib import Path

from fracturescope_common.camera_info import camera_info_topic
from fracturescope_common.qos import OBSERVER_STREAM
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest
from visualization_msgs.msg import MarkerArray
import yaml

ROOT = Path(__file__).resolve().parents[1]
RVIZ = (ROOT / 'config' / 'fracturescope.rviz', ROOT / 'config' / 'fracturescope_line.rviz')
pytestmark = pytest.mark.integration
# What each RViz display class subscribes to (rviz_default_plugins).
DISPLAY_TYPES = {'rviz_default_plugins/Image': 'sensor_msgs/msg/Image',
                 'rviz_default_plugins/Camera': 'sensor_msgs/msg/Image',
                 'rviz_default_plugins/MarkerArray': 'visualization_msgs/msg/MarkerArray'}
NO_TOPIC = {'rviz_default_plugins/Grid', 'rviz_default_plugins/TF'}


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
        line_frame = yaml.safe_load(RVIZ[1].read_text())['Visualization Manager']['Global Options']['Fixed Frame']
        markers = probe.collect(MarkerArray, 'line/markers', OBSERVER_STREAM)
        assert probe.spin_until(lambda: any(len(m.markers) > 3 for m in markers), 30.0), 'no line markers drawn'
        assert {marker.header.frame_id for m in markers for marker in m.markers} == {line_frame}
