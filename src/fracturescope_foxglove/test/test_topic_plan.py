"""Which channels the bridge serves, and who watches them (no ROS)."""

from dataclasses import dataclass

from fracturescope_foxglove.topic_plan import (
    COMPRESSED_TYPE,
    IMAGE_TYPE,
    AllowList,
    ClientSubscriptions,
    compressed_topic,
    plan_channels,
)
import pytest

GRAPH = {'/camera/rgb/image_raw': IMAGE_TYPE, '/line_camera/image_raw': IMAGE_TYPE,
         '/defects': 'fracturescope_msgs/msg/DefectDetection', '/diagnostics': 'diagnostic_msgs/msg/DiagnosticArray',
         '/roll_command': 'fracturescope_msgs/msg/RollCommand'}
EVERYTHING = AllowList(['.*'])


def test_every_topic_is_forwarded_and_every_image_also_compressed():
    plan = plan_channels(GRAPH, EVERYTHING, set())
    assert plan.forwarded == GRAPH
    assert plan.compressed == {'/camera/rgb/image_raw/compressed': '/camera/rgb/image_raw',
                               '/line_camera/image_raw/compressed': '/line_camera/image_raw'}


def test_the_bridge_own_compressed_topic_in_the_graph_is_served_once():
    """Its own ROS publisher puts /x/compressed in the graph: still one channel, the compressed one."""
    plan = plan_channels({**GRAPH, '/camera/rgb/image_raw/compressed': COMPRESSED_TYPE}, EVERYTHING, set())
    assert '/camera/rgb/image_raw/compressed' not in plan.forwarded
    assert plan.compressed['/camera/rgb/image_raw/compressed'] == '/camera/rgb/image_raw'


def test_a_compressed_topic_someone_else_publishes_is_forwarded_not_made_again():
    theirs = '/camera/rgb/image_raw/compressed'
    plan = plan_channels({**GRAPH, theirs: COMPRESSED_TYPE}, EVERYTHING, {theirs})
    assert plan.forwarded[theirs] == COMPRESSED_TYPE
    assert theirs not in plan.compressed and '/line_camera/image_raw/compressed' in plan.compressed


def test_the_allow_list_matches_whole_names_each_channel_by_its_own_name():
    """Over Wi-Fi: JPEG images, results and diagnostics, no 6 MB raw frames."""
    allow = AllowList(['.*/compressed', '/defects', '/diagnostics'])
    plan = plan_channels(GRAPH, allow, set())
    assert set(plan.forwarded) == {'/defects', '/diagnostics'}
    assert set(plan.compressed) == {'/camera/rgb/image_raw/compressed', '/line_camera/image_raw/compressed'}
    assert not AllowList(['/defects']).allows('/robot1/defects') and not AllowList(['/def']).allows('/defects')
    assert plan_channels(GRAPH, AllowList([]), set()).forwarded == {}


def test_a_broken_pattern_is_a_configuration_error():
    with pytest.raises(ValueError, match='allow-list'):
        AllowList(['/camera/(unclosed'])


def test_compressed_topic_follows_image_transport():
    assert compressed_topic('/robot1/camera/rgb/image_raw') == '/robot1/camera/rgb/image_raw/compressed'


@dataclass
class Id:
    id: int


def test_a_channel_is_watched_while_any_client_subscribes():
    changes = []
    watchers = ClientSubscriptions(lambda: changes.append(1))
    watchers.on_subscribe(Id(1), Id(7))
    watchers.on_subscribe(Id(2), Id(7))
    watchers.on_subscribe(Id(2), Id(8))
    assert watchers.watched(7) and watchers.watched(8) and not watchers.watched(9)
    assert watchers.watched_channels() == 2
    watchers.on_unsubscribe(Id(1), Id(7))
    assert watchers.watched(7)                      # client 2 still watches
    watchers.on_unsubscribe(Id(2), Id(7))
    watchers.on_unsubscribe(Id(2), Id(8))
    watchers.on_unsubscribe(Id(2), Id(8))           # a disconnect after an unsubscribe: reported twice, harmless
    assert not watchers.watched(7) and watchers.watched_channels() == 0
    assert len(changes) == 7                        # the node is woken for each
