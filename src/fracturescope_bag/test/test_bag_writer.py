"""Bags as `ros2 bag record -s mcap` lays them out, readable by rosbags' own reader (an independent one)."""

from pathlib import Path
import shutil
import struct
import zlib

from fracturescope_bag.bag_reader import open_bag
from fracturescope_bag.bag_writer import BagWriter, SplitLimits, TopicSpec
from fracturescope_bag.mcap_scanner import CHUNK, MAGIC
from fracturescope_common.message_definitions import complete_definition
import pytest
from rclpy.serialization import serialize_message
from rosbags.highlevel import AnyReader
from rosbags.rosbag2 import Reader
import yaml

from fracturescope_msgs.msg import DefectDetection

MS = 1_000_000

def chunk_crcs(path: Path) -> list[tuple[int, int]]:
    """(stored CRC, CRC of the uncompressed records) of every chunk of an uncompressed MCAP file."""
    data = path.read_bytes()
    offset, found = len(MAGIC), []
    while offset < len(data) - len(MAGIC):
        opcode, length = struct.unpack_from('<BQ', data, offset)
        if opcode == CHUNK:
            crc = struct.unpack_from('<I', data, offset + 9 + 24)[0]
            name_length = struct.unpack_from('<I', data, offset + 9 + 28)[0]
            records = data[offset + 9 + 32 + name_length + 8:offset + 9 + length]
            found.append((crc, zlib.crc32(records)))
        offset += 9 + length
    return found


def test_layout_and_metadata_as_rosbag2_writes_them(tmp_path, chatter_bag):
    bag = chatter_bag(tmp_path / 'run', 30)
    assert sorted(p.name for p in bag.iterdir()) == ['metadata.yaml', 'run_0.mcap']
    info = yaml.safe_load((bag / 'metadata.yaml').read_text())['rosbag2_bagfile_information']
    assert list(info) == ['version', 'storage_identifier', 'duration', 'starting_time', 'message_count',
                          'topics_with_message_count', 'compression_format', 'compression_mode',
                          'relative_file_paths', 'files', 'custom_data', 'ros_distro']
    assert info['version'] == 9 and info['storage_identifier'] == 'mcap' and info['message_count'] == 30
    assert info['starting_time']['nanoseconds_since_epoch'] == 1_000_000_000
    assert info['duration']['nanoseconds'] == 29 * 10 * MS
    topic = info['topics_with_message_count'][0]
    assert topic['message_count'] == 30 and topic['topic_metadata']['type'] == 'std_msgs/msg/String'
    assert topic['topic_metadata']['offered_qos_profiles'][0]['reliability'] == 'best_effort'
    assert topic['topic_metadata']['offered_qos_profiles'][0]['depth'] == 7
    assert info['files'] == [{'path': 'run_0.mcap', 'starting_time': {'nanoseconds_since_epoch': 1_000_000_000},
                              'duration': {'nanoseconds': 29 * 10 * MS}, 'message_count': 30}]
    crcs = chunk_crcs(bag / 'run_0.mcap')
    assert crcs and all(stored == computed != 0 for stored, computed in crcs)


def test_rosbags_reads_and_decodes_with_the_stored_definitions(tmp_path):
    """Project types are unknown to rosbags: it can decode them only from the definitions in the bag."""
    path = tmp_path / 'defects'
    with BagWriter(path) as writer:
        writer.add_topic(TopicSpec('/defects', 'fracturescope_msgs/msg/DefectDetection',
                                   definition=complete_definition('fracturescope_msgs/msg/DefectDetection')))
        for i in range(3):
            msg = DefectDetection(label='crack', confidence=0.25 * i, class_names=['crack', 'none'],
                                  location=f'slab-{i}')
            msg.header.stamp.sec = 100 + i
            writer.write('/defects', 1000 + i, serialize_message(msg))
    with Reader(path) as reader:
        assert reader.message_count == 3 and reader.topics['/defects'].msgcount == 3
    with AnyReader([path]) as reader:
        decoded = [reader.deserialize(data, c.msgtype) for c, _, data in reader.messages()]
    assert [(m.location, m.confidence, m.header.stamp.sec) for m in decoded] == [
        ('slab-0', 0.0, 100), ('slab-1', 0.25, 101), ('slab-2', 0.5, 102)]


@pytest.mark.parametrize('limits, files', [
    (SplitLimits(max_duration_ns=100 * MS), 3),    # 250 ms of messages at 10 ms: 0-99, 100-199, 200-249 ms
    (SplitLimits(max_bytes=500), None),
])
def test_split_files_hold_every_message_once(tmp_path, chatter_bag, limits, files):
    bag = chatter_bag(tmp_path / 'split', 25, limits=limits)
    info = yaml.safe_load((bag / 'metadata.yaml').read_text())['rosbag2_bagfile_information']
    names = [f['path'] for f in info['files']]
    assert names == [f'split_{i}.mcap' for i in range(len(names))] == info['relative_file_paths']
    assert len(names) == files if files else len(names) > 1
    assert sum(f['message_count'] for f in info['files']) == 25
    if limits.max_duration_ns:
        assert [f['message_count'] for f in info['files']] == [10, 10, 5]
    with Reader(bag) as reader:
        assert [t for _, t, _ in reader.messages()] == [1_000_000_000 + i * 10 * MS for i in range(25)]


def test_zstd_chunks_are_read_back(tmp_path, chatter_bag):
    bag = chatter_bag(tmp_path / 'zstd', 40, zstd=True)
    assert [m.timestamp_ns for m in open_bag(bag).messages()] == [1_000_000_000 + i * 10 * MS for i in range(40)]


def test_a_recording_killed_after_a_flush_leaves_a_playable_bag(tmp_path):
    """The recorder flushes every second; what a SIGKILL leaves (no summary, no footer) is read up to there."""
    writer = BagWriter(tmp_path / 'killed')
    writer.add_topic(TopicSpec('/chatter', 'std_msgs/msg/String', definition=complete_definition(
        'std_msgs/msg/String')))
    from std_msgs.msg import String
    for i in range(10):
        writer.write('/chatter', 1000 + i, serialize_message(String(data=f'm{i}')))
    writer.flush()
    writer.write('/chatter', 2000, serialize_message(String(data='lost')))  # still in memory when killed
    left = tmp_path / 'left'
    shutil.copytree(tmp_path / 'killed', left)  # what is on disk now
    writer.close()
    bag = open_bag(left)
    assert [m.timestamp_ns for m in bag.messages()] == [1000 + i for i in range(10)]
    assert len(bag.damages) == 1 and 'cut short' in bag.damages[0].problem
    assert bag.damages[0].file == left / 'killed_0.mcap' and bag.damages[0].message_index == 10


def test_an_existing_bag_is_not_overwritten(tmp_path, chatter_bag):
    chatter_bag(tmp_path / 'once', 1)
    with pytest.raises(FileExistsError):
        BagWriter(tmp_path / 'once')
