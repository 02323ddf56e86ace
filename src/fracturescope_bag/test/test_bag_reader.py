"""Bags written by rosbag2 itself (its test resources: MCAP and sqlite3, directories and single files), and damaged
bags: the readable part is read, each damaged place named by file and offset / message index."""

import os
import shutil

from fracturescope_bag.bag_reader import BagError, open_bag
from fracturescope_common.message_types import message_class
import pytest
from rcl_interfaces.msg import Log, ParameterEvent
from rclpy.serialization import deserialize_message
from std_msgs.msg import String

MS = 1_000_000

@pytest.mark.parametrize('layout', ['mcap/talker', 'sqlite3/talker'])
def test_rosbag2_talker_bags(resources, layout):
    bag = open_bag(resources / layout)
    messages = list(bag.messages())
    assert bag.damages == []
    assert {t.name: (t.type, t.message_count) for t in bag.topics.values()} == {
        '/topic': ('std_msgs/msg/String', 10), '/rosout': ('rcl_interfaces/msg/Log', 10),
        '/parameter_events': ('rcl_interfaces/msg/ParameterEvent', 0)}
    chatter = [deserialize_message(m.data, String).data for m in messages if m.topic == '/topic']
    assert chatter == [f'Hello, world! {i}' for i in range(10)]
    logs = [deserialize_message(m.data, Log) for m in messages if m.topic == '/rosout']
    assert len(logs) == 10 and all(log.msg.startswith('Publishing:') for log in logs)
    stamps = [m.timestamp_ns for m in messages]
    assert stamps == sorted(stamps) and stamps[0] == bag.starting_time_ns


def test_rosbag2_split_mcap_bag(resources):
    bag = open_bag(resources / 'mcap' / 'wbag')
    assert [f.name for f in bag.files] == [f'wbag_{i}.mcap' for i in range(5)]
    counts = {}
    for message in bag.messages():
        counts[message.topic] = counts.get(message.topic, 0) + 1
        deserialize_message(message.data, String)
    assert counts == {t.name: t.message_count for t in bag.topics.values()} and sum(counts.values()) == 6074


@pytest.mark.parametrize('name', ['only_topics.mcap', 'topics_and_services.mcap', 'topics_and_services.db3'])
def test_single_files_written_by_rosbag2(resources, name):
    """Files as rosbag2 (Rolling, 2023) wrote them, opened without a metadata.yaml as `ros2 bag play FILE` does."""
    bag = open_bag(resources / 'files' / name)
    assert bag.topics['/parameter_events'].type == 'rcl_interfaces/msg/ParameterEvent'
    assert bag.topics['/parameter_events'].offered_qos  # the publishers' QoS from the file itself
    events = [deserialize_message(m.data, ParameterEvent) for m in bag.messages(['/parameter_events'])]
    assert len(events) == 7 and all(e.node for e in events)
    assert bag.damages == []


def test_message_classes_by_bag_type_names():
    assert message_class('std_msgs/msg/String') is String
    assert message_class('std_msgs/String') is String
    with pytest.raises(LookupError):
        message_class('example_interfaces/srv/AddTwoInts_Event')  # not installed here


def test_cut_short_bag_plays_up_to_the_cut(tmp_path, chatter_bag):
    bag_dir = chatter_bag(tmp_path / 'cut', 400)
    file = bag_dir / 'cut_0.mcap'
    whole = file.read_bytes()
    file.write_bytes(whole[:len(whole) // 2])
    bag = open_bag(bag_dir)
    stamps = [m.timestamp_ns for m in bag.messages()]
    # every message read is a real one, in order, from the start
    assert stamps == [1_000_000_000 + i * 10 * MS for i in range(len(stamps))]
    assert 0 < len(stamps) < 400
    assert bag.damages and all(d.file == file for d in bag.damages)
    assert 'cut short' in bag.damages[0].problem and bag.damages[0].offset < len(whole) // 2
    last = bag.damages[-1]
    assert 'cut short' in last.problem and last.message_index == len(stamps) and last.offset == len(whole) // 2
    assert str(last).startswith(f'{file}: at byte offset {len(whole) // 2}, after message {len(stamps)} of this file')


@pytest.mark.parametrize('inserted', [False, True], ids=['overwritten', 'inserted'])
def test_garbage_in_the_middle_skips_only_the_damaged_part(tmp_path, chatter_bag, inserted):
    bag_dir = chatter_bag(tmp_path / 'garbage', 60000)  # four chunks of 1 MiB
    file = bag_dir / 'garbage_0.mcap'
    whole = file.read_bytes()
    middle = len(whole) // 2
    garbage = bytes(range(256)) * 2
    file.write_bytes(whole[:middle] + garbage + whole[middle + (0 if inserted else len(garbage)):])
    bag = open_bag(bag_dir)
    stamps = [m.timestamp_ns for m in bag.messages()]
    read = {(t - 1_000_000_000) // (10 * MS) for t in stamps}
    missing = sorted(set(range(60000)) - read)
    # the chunk holding the garbage is lost, and nothing else: one contiguous run, before and after it read
    assert missing and missing == list(range(missing[0], missing[-1] + 1))
    assert missing[0] > 0 and missing[-1] < 59999 and len(missing) < 60000 / 2
    assert stamps == sorted(stamps)
    assert bag.damages[0].file == file and bag.damages[0].offset <= middle
    assert bag.damages[0].message_index == missing[0]


def test_not_an_mcap_file_and_a_directory_without_metadata(tmp_path):
    (tmp_path / 'x.mcap').write_bytes(os.urandom(100))
    bag = open_bag(tmp_path / 'x.mcap')
    assert bag.topics == {} and list(bag.messages()) == [] and 'not an MCAP file' in bag.damages[0].problem
    with pytest.raises(BagError, match='no metadata.yaml'):
        open_bag(tmp_path)


def test_cut_short_sqlite3_bag_is_named(tmp_path, resources):
    """sqlite refuses a database shorter than its header says: the error names the file, nothing crashes."""
    shutil.copytree(resources / 'sqlite3' / 'talker', tmp_path / 'talker')
    file = tmp_path / 'talker' / 'talker.db3'
    file.write_bytes(file.read_bytes()[:16384])
    bag = open_bag(tmp_path / 'talker')
    assert list(bag.messages()) == []
    assert bag.damages[0].file == file and 'does not read' in bag.damages[0].problem
