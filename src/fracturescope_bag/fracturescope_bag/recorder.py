"""Subscribes to the chosen topics (or every one discovered) as raw CDR bytes, so any type is recorded without being
decoded, and hands each message to a BagWriter with its receive time. Topics are looked for again every
`discovery_interval_s`: one whose publisher starts later is recorded from then on.

As `ros2 bag record`: the subscription's QoS connects to every publisher there is (qos_profiles.subscription_qos),
the publishers' offered QoS go into the bag, hidden topics (a name part starting with '_') only when named, and
the time stamp is the middleware's receive time, or the node's clock (/clock) with use_sim_time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
import re
import time

from fracturescope_common.message_definitions import complete_definition
from fracturescope_common.message_types import UnknownMessageTypeError, message_class
from rclpy.node import Node
from rclpy.subscription import MessageInfo

from .bag_writer import BagWriter, TopicSpec
from .qos_profiles import DEFAULT_DEPTH, offered_qos, subscription_qos


@dataclass
class RecordOptions:
    topics: list[str] = field(default_factory=list)  # recorded when they appear
    all_topics: bool = False
    exclude: re.Pattern | None = None  # with all_topics: topics matching it are not recorded
    queue_depth: int = DEFAULT_DEPTH
    discovery_interval_s: float = 0.5
    flush_interval_s: float = 1.0


def absolute_topic(name: str) -> str:
    return name if name.startswith('/') else '/' + name


def is_hidden(topic: str) -> bool:
    return any(part.startswith('_') for part in topic.split('/'))


class Recorder:
    def __init__(self, node: Node, writer: BagWriter, options: RecordOptions, log: Callable[[str], None]) -> None:
        self.node, self.writer, self.options, self.log = node, writer, options, log
        self.wanted = {absolute_topic(t) for t in options.topics}
        self.subscriptions: dict[str, object] = {}
        self.refused: set[str] = set()  # topics already reported as not recordable
        self.use_sim_time = bool(node.get_parameter('use_sim_time').value)
        self._discover()
        self.discovery_timer = node.create_timer(options.discovery_interval_s, self._discover)
        self.flush_timer = node.create_timer(options.flush_interval_s, writer.flush)

    def close(self) -> None:
        """Stop receiving, then finish the bag."""
        for timer in (self.discovery_timer, self.flush_timer):
            self.node.destroy_timer(timer)
        for subscription in self.subscriptions.values():
            self.node.destroy_subscription(subscription)
        self.subscriptions.clear()
        self.writer.close()

    def _records(self, topic: str) -> bool:
        if topic in self.wanted:
            return True
        if not self.options.all_topics or is_hidden(topic):
            return False
        return not (self.options.exclude and self.options.exclude.search(topic))

    def _discover(self) -> None:
        for topic, types in self.node.get_topic_names_and_types():
            if topic in self.subscriptions or topic in self.refused or not self._records(topic):
                continue
            # Wait for a publisher: its offered QoS decides how to subscribe and goes into the bag.
            publishers = self.node.get_publishers_info_by_topic(topic)
            if not publishers:
                continue
            if len(types) != 1:
                self._refuse(topic, f'has several types ({", ".join(types)})')
                continue
            try:
                msg_type = message_class(types[0])
            except UnknownMessageTypeError as error:
                self._refuse(topic, str(error))
                continue
            offers = [info.qos_profile for info in publishers]
            hashes = {str(info.topic_type_hash) for info in publishers if info.topic_type_hash.version > 0}
            self.writer.add_topic(TopicSpec(topic, types[0], tuple(offered_qos(q) for q in offers),
                                            min(hashes) if hashes else '', complete_definition(types[0])))
            self.subscriptions[topic] = self.node.create_subscription(
                msg_type, topic, partial(self._receive, topic), subscription_qos(offers, self.options.queue_depth),
                raw=True)
            self.log(f'recording {topic} ({types[0]}, {len(publishers)} publisher(s))')

    def _refuse(self, topic: str, why: str) -> None:
        self.refused.add(topic)
        self.log(f'not recording {topic}: {why}')

    def _receive(self, topic: str, data: bytes, info: MessageInfo) -> None:
        if self.use_sim_time:
            stamp = self.node.get_clock().now().nanoseconds
        else:
            stamp = info.get('received_timestamp') or time.time_ns()
        self.writer.write(topic, stamp, data)
