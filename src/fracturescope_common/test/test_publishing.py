import time

from fracturescope_common.health import Health, Level
from fracturescope_common.publishing import PUBLISH_FAILED, publish_or_report
from fracturescope_common.qos import RELIABLE_EVENTS
import pytest
import rclpy
from std_msgs.msg import String


@pytest.fixture
def contexts():
    made = [rclpy.Context(), rclpy.Context()]
    for context in made:
        rclpy.init(context=context, args=[])
    yield made
    for context in made:
        rclpy.shutdown(context=context)


def test_a_reader_that_stops_taking_makes_publish_fail_loudly_not_silently(contexts):
    """KEEP_ALL reliable over real DDS: a subscriber that is never spun fills its queue; the writer then
    refuses, and publish_or_report counts and logs that instead of raising into the executor."""
    writer_node = rclpy.create_node('publishing_writer', context=contexts[0])
    reader_node = rclpy.create_node('publishing_reader', context=contexts[1])
    reader_node.create_subscription(String, 'publishing_test', lambda msg: None, RELIABLE_EVENTS)
    publisher = writer_node.create_publisher(String, 'publishing_test', RELIABLE_EVENTS)
    deadline = time.monotonic() + 10
    while publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    health = Health([PUBLISH_FAILED])
    sent = 0
    while sent < 50_000 and publish_or_report(publisher, String(data='x' * 100), health, writer_node.get_logger()):
        sent += 1
    assert 0 < sent < 50_000, 'the full reader queue never refused a sample'
    assert health.counters[PUBLISH_FAILED.name] == 1
    assert health.level() == Level.ERROR
    assert 'cannot publish data' in health.summary('ok')[1]


def test_a_normal_publish_returns_true(contexts):
    node = rclpy.create_node('publishing_ok', context=contexts[0])
    publisher = node.create_publisher(String, 'publishing_ok', RELIABLE_EVENTS)
    health = Health([PUBLISH_FAILED])
    assert publish_or_report(publisher, String(data='x'), health, node.get_logger()) is True
    assert health.counters == {PUBLISH_FAILED.name: 0}
