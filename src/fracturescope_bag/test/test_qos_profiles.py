"""Offered QoS into and out of bag metadata, and the subscription / playback profiles rosbag2 would choose."""

from fracturescope_bag.qos_profiles import (
    offered_qos,
    playback_qos,
    read_qos,
    serialized_qos,
    subscription_qos,
)
import rclpy.duration
from rclpy.duration import Duration
from rclpy.qos import DurabilityPolicy, HistoryPolicy, LivelinessPolicy, QoSProfile, ReliabilityPolicy
import yaml

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL,
                     lifespan=Duration(seconds=10))
CAMERA = QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT, durability=DurabilityPolicy.VOLATILE)


def test_metadata_keeps_policies_by_name_and_round_trips():
    text = serialized_qos([offered_qos(LATCHED), offered_qos(CAMERA)])
    entries = yaml.safe_load(text)
    assert entries[0]['reliability'] == 'reliable' and entries[0]['durability'] == 'transient_local'
    assert entries[0]['lifespan'] == {'sec': 10, 'nsec': 0}
    assert entries[1]['reliability'] == 'best_effort' and entries[1]['history'] == 'keep_last'
    assert read_qos(entries) == [offered_qos(LATCHED), offered_qos(CAMERA)]
    assert read_qos(text) == read_qos(entries)


def test_infinite_durations_are_written_as_rosbag2_writes_them():
    entry = yaml.safe_load(serialized_qos([offered_qos(QoSProfile(depth=1, deadline=rclpy.duration.Infinite))]))[0]
    assert entry['deadline'] == {'sec': 9223372036, 'nsec': 854775807}


def test_version_4_numbers_and_foxy_infinities_are_read():
    # offered_qos_profiles of rosbag2's own talker bag (metadata version 4, Fast DDS on Foxy)
    text = ('- history: 3\n  depth: 0\n  reliability: 1\n  durability: 2\n  deadline:\n    sec: 2147483647\n'
            '    nsec: 4294967295\n  lifespan:\n    sec: 2147483647\n    nsec: 4294967295\n  liveliness: 1\n'
            '  liveliness_lease_duration:\n    sec: 2147483647\n    nsec: 4294967295\n'
            '  avoid_ros_namespace_conventions: false')
    profile, warning = playback_qos(read_qos(text))
    assert warning is None
    assert profile.reliability == ReliabilityPolicy.RELIABLE and profile.durability == DurabilityPolicy.VOLATILE
    assert profile.history == HistoryPolicy.KEEP_LAST and profile.depth == 10
    assert profile.deadline == rclpy.duration.Infinite and profile.lifespan == rclpy.duration.Infinite
    assert profile.liveliness == LivelinessPolicy.AUTOMATIC


def test_subscription_connects_to_every_publisher():
    assert subscription_qos([LATCHED]).reliability == ReliabilityPolicy.RELIABLE
    assert subscription_qos([LATCHED]).durability == DurabilityPolicy.TRANSIENT_LOCAL
    mixed = subscription_qos([LATCHED, CAMERA], depth=50)
    assert mixed.reliability == ReliabilityPolicy.BEST_EFFORT and mixed.durability == DurabilityPolicy.VOLATILE
    assert mixed.depth == 50
    assert subscription_qos([]).reliability == ReliabilityPolicy.RELIABLE


def test_playback_offers_the_recorded_profile_or_the_default_when_publishers_differed():
    latched, warning = playback_qos([offered_qos(LATCHED)] * 2)
    assert warning is None and latched.durability == DurabilityPolicy.TRANSIENT_LOCAL
    camera, _ = playback_qos([offered_qos(CAMERA)])
    assert camera.reliability == ReliabilityPolicy.BEST_EFFORT
    mixed, warning = playback_qos([offered_qos(LATCHED), offered_qos(CAMERA)])
    assert warning and mixed.reliability == ReliabilityPolicy.RELIABLE
    assert mixed.durability == DurabilityPolicy.VOLATILE
    # history and lifespan do not decide compatibility: still the recorded profile
    other_history = QoSProfile(depth=99, reliability=ReliabilityPolicy.RELIABLE,
                               durability=DurabilityPolicy.TRANSIENT_LOCAL)
    same, warning = playback_qos([offered_qos(LATCHED), offered_qos(other_history)])
    assert warning is None and same.durability == DurabilityPolicy.TRANSIENT_LOCAL


def test_unknown_policies_from_the_middleware_become_system_default():
    unknown = offered_qos(QoSProfile(depth=0, history=HistoryPolicy.UNKNOWN,
                                     liveliness=LivelinessPolicy.UNKNOWN))
    profile, _ = playback_qos([unknown])
    assert profile.liveliness == LivelinessPolicy.SYSTEM_DEFAULT and profile.history == HistoryPolicy.KEEP_LAST


def test_subscription_to_latched_publishers_keeps_all_they_hand_over():
    assert subscription_qos([LATCHED]).history == HistoryPolicy.KEEP_ALL
    mixed = subscription_qos([LATCHED, CAMERA], depth=50)   # volatile: from now on, as deep as asked
    assert mixed.history == HistoryPolicy.KEEP_LAST and mixed.depth == 50
