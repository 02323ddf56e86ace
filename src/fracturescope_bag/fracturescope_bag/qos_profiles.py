"""QoS between rclpy and a rosbag2 bag: the publishers' offered profiles a recorder writes into the metadata, the
profile it subscribes with, and the profile a player offers when it publishes again.

The rules are rosbag2's (rosbag2_storage/src/rosbag2_storage/qos.cpp: Rosbag2QoS::adapt_request_to_offers and
adapt_offer_to_recorded_offers), so a bag behaves the same under `ros2 bag play` and `fracturescope-bag play`.
rclpy's and rosbags' policy enums both carry the rmw numbers, so one converts into the other by value.
"""

from __future__ import annotations

from collections.abc import Sequence

from fracturescope_common.qos import matching_subscription_qos
import rclpy.duration
from rclpy.duration import Duration
from rclpy.qos import DurabilityPolicy, HistoryPolicy, LivelinessPolicy, QoSProfile, ReliabilityPolicy
from rosbags.interfaces import Qos, QosDurability, QosHistory, QosLiveliness, QosReliability, QosTime
from rosbags.rosbag2.metadata import dump_qos_v9, parse_qos
import yaml

NS_PER_S = 1_000_000_000
INFINITE_NS = 2**63 - 1
# rmw_qos_profile_default.depth: rosbag2's default history for what it subscribes to and what it plays.
DEFAULT_DEPTH = 10
# "Infinite" as the RMW implementations wrote it into Foxy bags, before RMW_DURATION_INFINITE existed
# (qos.cpp: RMW_CYCLONEDDS_FOXY_INFINITE, RMW_FASTRTPS_FOXY_INFINITE, RMW_CONNEXT_FOXY_INFINITE).
_INFINITE_SPELLINGS = {divmod(INFINITE_NS, NS_PER_S), (0x7FFFFFFF, 0xFFFFFFFF), (0x7FFFFFFF, 0x7FFFFFFF)}


def offered_qos(profile: QoSProfile) -> Qos:
    """A publisher's QoS (as get_publishers_info_by_topic gives it) in the form a bag's metadata keeps."""
    return Qos(
        QosHistory(int(profile.history)),
        int(profile.depth),
        QosReliability(int(profile.reliability)),
        QosDurability(int(profile.durability)),
        _qos_time(profile.deadline),
        _qos_time(profile.lifespan),
        QosLiveliness(int(profile.liveliness)),
        _qos_time(profile.liveliness_lease_duration),
        bool(profile.avoid_ros_namespace_conventions),
    )


def metadata_qos(profiles: Sequence[Qos]) -> list[dict]:
    """Offered profiles as rosbag2 writes them into metadata.yaml from version 9 on (policies by name)."""
    return [dict(entry) for entry in dump_qos_v9(list(profiles))]


def serialized_qos(profiles: Sequence[Qos]) -> str:
    """The same as one YAML string: rosbag2's MCAP channel metadata `offered_qos_profiles`."""
    return yaml.safe_dump(metadata_qos(profiles), sort_keys=False).strip() if profiles else ''


def read_qos(value: list[dict] | str | None) -> list[Qos]:
    """Offered profiles from any metadata version: a YAML string of numbers (versions 4 to 8) or a list with
    policies by name (9)."""
    return parse_qos(value or [])


def subscription_qos(offers: Sequence[QoSProfile], depth: int = DEFAULT_DEPTH) -> QoSProfile:
    """What a recorder requests so it connects to every publisher (reliable while there is none yet). Unlike
    rosbag2 (keep last 10): on a transient-local topic it keeps all, so the history a publisher hands a recorder
    that joined late all lands in the bag, not only its last 10 (discovery does not tell a publisher's depth)."""
    qos = matching_subscription_qos(offers, depth, reliable_without_offers=True)
    if qos.durability == DurabilityPolicy.TRANSIENT_LOCAL:
        qos.history = HistoryPolicy.KEEP_ALL
    return qos


def playback_qos(recorded: Sequence[Qos]) -> tuple[QoSProfile, str | None]:
    """What a player offers on a topic, and a warning when the recorded publishers disagreed.

    The recorded profile when every publisher offered the same (history aside: keep last 10, as rosbag2);
    rosbag2's default (reliable, volatile, keep last 10) when there were none or they differed."""
    if not recorded:
        return QoSProfile(depth=DEFAULT_DEPTH), None
    first = recorded[0]
    if any(_compatibility(q) != _compatibility(first) for q in recorded[1:]):
        return QoSProfile(depth=DEFAULT_DEPTH), (
            'the recorded publishers offered different QoS profiles: playing with the default '
            '(reliable, volatile, keep last 10)')
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=DEFAULT_DEPTH,
        reliability=_known(ReliabilityPolicy(first.reliability.value), ReliabilityPolicy),
        durability=_known(DurabilityPolicy(first.durability.value), DurabilityPolicy),
        deadline=_duration(first.deadline),
        lifespan=_duration(first.lifespan),
        liveliness=_known(LivelinessPolicy(first.liveliness.value), LivelinessPolicy),
        liveliness_lease_duration=_duration(first.liveliness_lease_duration),
        avoid_ros_namespace_conventions=first.avoid_ros_namespace_conventions,
    ), None


def _compatibility(qos: Qos) -> tuple:
    """The policies that decide whether two endpoints connect (history and lifespan do not), as qos.cpp compares."""
    return (qos.reliability, qos.durability, _normal(qos.deadline), qos.liveliness,
            _normal(qos.liveliness_lease_duration))


def _known(policy: object, enum: type) -> object:
    # A bag can hold UNKNOWN (what an endpoint query gives for a policy the middleware did not report): offer the
    # system default rather than a value rmw refuses.
    return enum.SYSTEM_DEFAULT if policy == enum.UNKNOWN else policy


def _qos_time(duration: Duration) -> QosTime:
    seconds, nanoseconds = divmod(min(int(duration.nanoseconds), INFINITE_NS), NS_PER_S)
    return QosTime(seconds, nanoseconds)


def _normal(time: QosTime) -> tuple[int, int]:
    return divmod(INFINITE_NS, NS_PER_S) if (time.sec, time.nsec) in _INFINITE_SPELLINGS else (time.sec, time.nsec)


def _duration(time: QosTime) -> Duration:
    if (time.sec, time.nsec) in _INFINITE_SPELLINGS:
        return rclpy.duration.Infinite
    return Duration(seconds=time.sec, nanoseconds=time.nsec)
