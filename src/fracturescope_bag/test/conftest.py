"""Shared helpers: the package importable from the source tree, small bags written on the spot."""

from pathlib import Path
import sys

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PACKAGE_ROOT))

from fracturescope_bag.bag_writer import BagWriter, SplitLimits, TopicSpec  # noqa: E402
from fracturescope_bag.qos_profiles import offered_qos  # noqa: E402
from fracturescope_common.message_definitions import complete_definition  # noqa: E402
from rclpy.qos import QoSProfile, ReliabilityPolicy  # noqa: E402
from rclpy.serialization import serialize_message  # noqa: E402
from std_msgs.msg import String  # noqa: E402

RESOURCES = Path(__file__).resolve().parent / 'resources' / 'rosbag2'
MS = 1_000_000


@pytest.fixture(scope='session')
def resources():
    return RESOURCES


def write_chatter_bag(path, count, *, period_ns=10 * MS, limits=None, zstd=False, start_ns=1_000_000_000):
    """A bag of `count` std_msgs/String 'message i' on /chatter, one every `period_ns`."""
    qos = offered_qos(QoSProfile(depth=7, reliability=ReliabilityPolicy.BEST_EFFORT))
    with BagWriter(path, limits or SplitLimits(), zstd_chunks=zstd) as writer:
        writer.add_topic(TopicSpec('/chatter', 'std_msgs/msg/String', (qos,), 'RIHS01_' + '0' * 64,
                                   complete_definition('std_msgs/msg/String')))
        for i in range(count):
            writer.write('/chatter', start_ns + i * period_ns, serialize_message(String(data=f'message {i}')))
    return path


@pytest.fixture(scope='session')
def chatter_bag():
    return write_chatter_bag
