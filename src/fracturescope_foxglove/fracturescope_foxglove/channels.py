"""What the bridge serves and what it reads: a channel per topic served as it is (`Forwarded`) or made a JPEG topic
from a raw image topic (`Compressed`), their ros2msg / ros2idl schemas, and which topics to subscribe to for the
channels someone watches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from foxglove import Channel, Context, Schema
from fracturescope_common.message_definitions import DefinitionNotFoundError, complete_definition
from fracturescope_common.qos import matching_subscription_qos
from rclpy.publisher import Publisher
from rclpy.qos import HistoryPolicy, QoSProfile
from rclpy.topic_endpoint_info import TopicEndpointInfo

from fracturescope_foxglove.image_compression import RateGate
from fracturescope_foxglove.topic_plan import IMAGE_TYPE

# Depth of a subscription that keeps what the topic's publishers keep (a latched checkpoint, recorded results): a
# client that subscribes gets the last few, not a thousand results at once over Wi-Fi.
MAX_HISTORY_DEPTH = 10


def subscription_qos(publishers: list[TopicEndpointInfo]) -> QoSProfile:
    """A QoS that matches every publisher of the topic and keeps what they keep (at most MAX_HISTORY_DEPTH), as
    foxglove_bridge chooses it."""
    profiles = [info.qos_profile for info in publishers]
    depth = min(MAX_HISTORY_DEPTH, max([p.depth for p in profiles if p.history == HistoryPolicy.KEEP_LAST] + [1]))
    return matching_subscription_qos(profiles, depth, reliable_without_offers=False)


@dataclass
class Forwarded:
    """A topic served as it is."""

    type_name: str
    channel: Channel
    gate: RateGate = field(default_factory=RateGate)


@dataclass
class Compressed:
    """A JPEG topic made from a raw image topic: a Foxglove channel and a ROS publisher."""

    image_topic: str
    channel: Channel
    publisher: Publisher
    gate: RateGate = field(default_factory=RateGate)
    ros_subscribers: int = 0


def channel_of(topic: str, type_name: str, context: Context) -> Channel:
    """A cdr channel of `topic` with the type's complete definition (DefinitionNotFoundError when none is installed)."""
    encoding, text = complete_definition(type_name)
    if not encoding:
        raise DefinitionNotFoundError(f'no .msg or .idl file of {type_name} in the installed packages')
    return Channel(topic, schema=Schema(name=type_name, encoding=encoding, data=text.encode()),
                   message_encoding='cdr', context=context)


def compressing(compressed: Compressed, watched: Callable[[int], bool]) -> bool:
    """A JPEG topic is made while a ROS node subscribes to it or a Foxglove client watches its channel."""
    return compressed.ros_subscribers > 0 or watched(compressed.channel.id())


def wanted_topics(forwarded: Mapping[str, Forwarded], compressed: Mapping[str, Compressed],
                  watched: Callable[[int], bool]) -> dict[str, str]:
    """{topic: type} to subscribe to: exactly those someone watches, directly or through their compressed topic."""
    wanted = {topic: f.type_name for topic, f in forwarded.items() if watched(f.channel.id())}
    wanted |= {c.image_topic: IMAGE_TYPE for c in compressed.values() if compressing(c, watched)}
    return wanted
