"""The Foxglove layout shipped with the bring-up (config/fracturescope.foxglove.json), against the simulated graph
with the bridge (sim.launch.xml foxglove:=true): this machine cannot run the Foxglove app, so the test connects the
way the app does (fracturescope_foxglove.ws_client) and checks that every panel finds its topic with the schema it
reads, every plotted field exists, and every image panel receives a JPEG."""

import json
from pathlib import Path
import time

from fracturescope_common.message_definitions import parse_full_text
from fracturescope_common.static_frames import frame_chain
from fracturescope_foxglove.diagnostics_contract import FOXGLOVE_BRIDGE, URL
from fracturescope_foxglove.ws_client import FoxgloveClient, MessageData
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import numpy as np
import pytest
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import CompressedImage
from tf2_msgs.msg import TFMessage
from visualization_msgs.msg import MarkerArray

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = json.loads((ROOT / 'config' / 'fracturescope.foxglove.json').read_text())
pytestmark = pytest.mark.integration


def panel_topics() -> dict[str, tuple[str, set[str]]]:
    """{topic: (schema the panel reads, fields it plots)} of every panel of the layout."""
    wanted: dict[str, tuple[str, set[str]]] = {}
    for panel_id, config in LAYOUT['configById'].items():
        kind = panel_id.split('!')[0]
        if kind == 'Image':
            wanted[config['imageMode']['imageTopic']] = ('sensor_msgs/msg/CompressedImage', set())
        elif kind == 'Plot':
            for path in config['paths']:
                topic, field = path['value'].split('.', 1)
                schema, fields = wanted.get(topic, ('fracturescope_msgs/msg/RollCommand', set()))
                wanted[topic] = (schema, fields | {field})
        elif kind == 'DiagnosticSummary':
            wanted[config['topicToRender']] = ('diagnostic_msgs/msg/DiagnosticArray', set())
        elif kind == '3D':   # it draws the markers it shows in the frame it follows, through the frames of tf_static
            wanted.update({topic: ('visualization_msgs/msg/MarkerArray', set())
                           for topic, shown in config['topics'].items() if shown['visible']})
            wanted['/tf_static'] = ('tf2_msgs/msg/TFMessage', set())
        else:
            raise AssertionError(f'{panel_id}: panel kind not checked here')
    return wanted


def shown_panels(node: object) -> set[str]:
    if isinstance(node, str):
        return {node}
    return shown_panels(node['first']) | shown_panels(node['second'])


def test_the_layout_shows_every_panel_it_configures():
    assert shown_panels(LAYOUT['layout']) == set(LAYOUT['configById'])
    kinds = sorted(panel_id.split('!')[0] for panel_id in LAYOUT['configById'])
    assert kinds == ['3D', 'DiagnosticSummary', 'Image', 'Image', 'Image', 'Plot', 'Plot']


def test_every_panel_finds_its_topic_and_data_through_the_bridge(tmp_path):
    wanted = panel_topics()
    env = isolated_ros_env()
    args = {'ledger_dir': str(tmp_path / 'ledger'), 'foxglove': 'true', 'foxglove_port': '0'}
    with launched(ROOT / 'launch' / 'sim.launch.xml', args, env=env, log_dir=tmp_path / 'logs') as graph, \
            GraphProbe(env, 'layout_probe') as probe:
        observed = watch_graph(probe)
        assert probe.spin_until(lambda: observed.reported(FOXGLOVE_BRIDGE), 60.0)
        url = observed.read(FOXGLOVE_BRIDGE)[URL].replace('0.0.0.0', '127.0.0.1')
        with FoxgloveClient(url) as client:
            channels = {topic: client.channel(topic, 90.0) for topic in wanted}
            for topic, (schema, fields) in wanted.items():
                assert (channels[topic]['schemaName'], channels[topic]['encoding']) == (schema, 'cdr'), topic
                root = parse_full_text(channels[topic]['schema'])['']
                assert fields <= {line.split()[1] for line in root.splitlines() if line and line[0] != '#'
                                  and len(line.split()) > 1}, topic
            subscriptions = {client.subscribe(channels[topic]['id']): topic for topic in wanted}
            received: dict[str, bytes] = {}
            deadline = time.monotonic() + 90.0
            while set(received) != set(wanted) and (left := deadline - time.monotonic()) > 0:
                event = client.poll(left)
                if isinstance(event, MessageData):
                    received.setdefault(subscriptions[event.subscription_id], event.payload)
            assert set(received) == set(wanted), f'no message in 90 s on {sorted(set(wanted) - set(received))}'
        for topic, (schema, _) in wanted.items():
            if schema == 'sensor_msgs/msg/CompressedImage':
                jpeg = deserialize_message(received[topic], CompressedImage)
                assert jpeg.format == 'jpeg' and bytes(jpeg.data[:2]) == b'\xff\xd8', topic
                assert np.frombuffer(bytes(jpeg.data), np.uint8).size > 1000, topic
        transforms = deserialize_message(received['/tf_static'], TFMessage).transforms
        followed = LAYOUT['configById']['3D!robot']['followTf']
        markers = deserialize_message(received['/defects/markers'], MarkerArray).markers
        assert markers and all(followed in frame_chain(m.header.frame_id, transforms) for m in markers)
        assert all(graph.alive().values())
