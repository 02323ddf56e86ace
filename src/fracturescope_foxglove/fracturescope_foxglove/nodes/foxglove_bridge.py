"""Foxglove bridge node: the graph's topics served to the Foxglove app over WebSocket (foxglove-sdk), and JPEG
`<image topic>/compressed` topics made from the raw images, for a Wi-Fi link.

Every `discovery_period_s` the graph's topics become channels (topic_plan.py): encoding cdr, schema the full ros2msg
definition (fracturescope_common.message_definitions, as rosbag2 writes it). The bridge subscribes to a topic, raw
(the CDR bytes as they arrive), only while a Foxglove client subscribes to its channel, or to the compressed channel
made from it, or while a ROS node subscribes to the compressed topic; so nothing is received, and nothing
compressed, while nobody watches.
"""

from __future__ import annotations

import foxglove
from foxglove import Context
from foxglove.websocket import WebSocketServer
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health, Level
from fracturescope_common.image_conversion import ImageConversionError
from fracturescope_common.image_stream import IMAGE_PUBLICATION
from fracturescope_common.message_definitions import DefinitionNotFoundError
from fracturescope_common.message_types import UnknownMessageTypeError, message_class
from fracturescope_common.node_main import run_node
from fracturescope_common.params import declare_parameters
from fracturescope_common.publishing import publish_or_report
from rclpy.node import Node
from rclpy.serialization import deserialize_message, serialize_message
from rclpy.subscription import Subscription
from sensor_msgs.msg import CompressedImage, Image

from fracturescope_foxglove.channels import (
    Compressed,
    Forwarded,
    channel_of,
    compressing,
    subscription_qos,
    wanted_topics,
)
from fracturescope_foxglove.diagnostics_contract import (
    BAD_IMAGE,
    CHANNELS,
    COMPRESSED,
    COMPRESSING,
    FORWARDED,
    FOXGLOVE_BRIDGE,
    RATE_LIMITED,
    ROS_SUBSCRIPTIONS,
    UNKNOWN_TYPE,
    URL,
    WATCHED,
)
from fracturescope_foxglove.image_compression import check_settings, compress
from fracturescope_foxglove.nodes.foxglove_bridge_parameters import PARAMETERS
from fracturescope_foxglove.topic_plan import (
    COMPRESSED_TYPE,
    IMAGE_TYPE,
    AllowList,
    ClientSubscriptions,
    plan_channels,
)


class FoxgloveBridgeNode(Node):
    def __init__(self) -> None:
        super().__init__(FOXGLOVE_BRIDGE.node)
        self._server: WebSocketServer | None = None   # rclpy destroys a node whose construction failed, too
        self._p = p = declare_parameters(self, PARAMETERS, self._check_change)
        check_settings(p.jpeg_quality, p.thermal_palette)
        self._allow = AllowList(p.topic_allow_list)
        self._health = Health(FOXGLOVE_BRIDGE.counters)
        self._forwarded: dict[str, Forwarded] = {}
        self._compressed: dict[str, Compressed] = {}        # by compressed topic
        self._readers: dict[str, tuple[str, Subscription]] = {}   # topic -> (type, subscription)
        self._unknown: set[str] = set()                      # topics whose type could not be served, counted once
        # The server calls the listener on its own threads: they only wake the executor, which does the ROS work.
        self._wake = self.create_guard_condition(self._follow_demand)
        self._watchers = ClientSubscriptions(self._wake.trigger)
        self._foxglove_context = Context()          # not _context, _clients, _subscriptions: rclpy.Node has those
        try:
            self._server = foxglove.start_server(
                name=f'FractureScope {self.get_fully_qualified_name()}', host=p.host, port=p.port,
                server_listener=self._watchers, context=self._foxglove_context,
                message_backlog_size=p.client_backlog_messages)
        except RuntimeError as error:   # FoxgloveError: the port is taken, the address is not this machine's
            raise OSError(f'cannot serve ws://{p.host}:{p.port}: {error}') from error
        self._url = f'ws://{p.host}:{self._server.port}'
        self.get_logger().info(f'Foxglove WebSocket server on {self._url}')
        self._discover()
        self.create_timer(p.discovery_period_s, self._discover)
        self._diagnostics = DiagnosticsReporter(self, FOXGLOVE_BRIDGE, self._health, self._values, self._state,
                                                p.diagnostics_period_s)

    def _check_change(self, changes: dict[str, object]) -> str | None:
        try:
            check_settings(int(changes.get('jpeg_quality', self._p.jpeg_quality)),
                           str(changes.get('thermal_palette', self._p.thermal_palette)))
        except ValueError as error:
            return str(error)
        if float(changes.get('max_image_rate_hz', 0.0)) < 0:
            return 'max_image_rate_hz must be >= 0'
        return None

    def _values(self) -> dict[Key, object]:
        return {URL: self._url, CHANNELS: len(self._forwarded) + len(self._compressed),
                WATCHED: self._watchers.watched_channels(), ROS_SUBSCRIPTIONS: len(self._readers),
                COMPRESSING: sum(compressing(c, self._watchers.watched) for c in self._compressed.values())}

    def _state(self) -> str:
        return f'serving {len(self._forwarded) + len(self._compressed)} channels on {self._url}'

    # --- discovery: what to serve ---

    def _discover(self) -> None:
        own = set(self._compressed)
        topics: dict[str, str] = {}
        for topic, types in self.get_topic_names_and_types():
            publishers = self.count_publishers(topic) - (1 if topic in own else 0)
            if types and publishers > 0:
                topics[topic] = types[0]
        elsewhere = {topic for topic, type_name in topics.items() if type_name == COMPRESSED_TYPE}
        plan = plan_channels(topics, self._allow, elsewhere)
        for topic in [t for t, f in self._forwarded.items() if plan.forwarded.get(t) != f.type_name]:
            self._forwarded.pop(topic).channel.close()
        for topic in [t for t, c in self._compressed.items() if plan.compressed.get(t) != c.image_topic]:
            gone = self._compressed.pop(topic)
            gone.channel.close()
            self.destroy_publisher(gone.publisher)
        for topic, type_name in plan.forwarded.items():
            if topic not in self._forwarded and topic not in self._unknown:
                self._serve(topic, type_name)
        for topic, image_topic in plan.compressed.items():
            if topic not in self._compressed:
                self._compressed[topic] = Compressed(
                    image_topic, channel_of(topic, COMPRESSED_TYPE, self._foxglove_context),
                    self.create_publisher(CompressedImage, topic, IMAGE_PUBLICATION))
        for compressed in self._compressed.values():
            compressed.ros_subscribers = compressed.publisher.get_subscription_count()
        self._unknown &= set(topics)     # a topic that comes back later, perhaps of another type, is tried again
        self._follow_demand()

    def _serve(self, topic: str, type_name: str) -> None:
        try:
            message_class(type_name)
            self._forwarded[topic] = Forwarded(type_name, channel_of(topic, type_name, self._foxglove_context))
        except (DefinitionNotFoundError, UnknownMessageTypeError) as error:
            self._unknown.add(topic)
            self._health.problem(UNKNOWN_TYPE, f'{topic} not served: {error}', Level.WARN)
            self.get_logger().warning(f'{topic} ({type_name}) not served: {error}')

    # --- demand: what to subscribe to ---

    def _follow_demand(self) -> None:
        wanted = wanted_topics(self._forwarded, self._compressed, self._watchers.watched)
        for topic in [t for t, (type_name, _) in self._readers.items() if wanted.get(t) != type_name]:
            self.destroy_subscription(self._readers.pop(topic)[1])
        for topic, type_name in wanted.items():
            if topic not in self._readers:
                self._readers[topic] = (type_name, self.create_subscription(
                    message_class(type_name), topic, lambda data, topic=topic: self._on_message(topic, data),
                    subscription_qos(self.get_publishers_info_by_topic(topic)), raw=True))

    # --- messages ---

    def _on_message(self, topic: str, data: bytes) -> None:
        now_ns = self.get_clock().now().nanoseconds
        forwarded = self._forwarded.get(topic)
        if forwarded is not None and self._watchers.watched(forwarded.channel.id()):
            if forwarded.type_name != IMAGE_TYPE or forwarded.gate.admit(now_ns, self._p.max_image_rate_hz):
                forwarded.channel.log(data, log_time=now_ns)
                self._health.count(FORWARDED)
            else:
                self._health.count(RATE_LIMITED)
        for compressed_topic_name, compressed in self._compressed.items():
            if compressed.image_topic == topic and compressing(compressed, self._watchers.watched):
                self._compress(compressed_topic_name, compressed, data, now_ns)

    def _compress(self, topic: str, compressed: Compressed, data: bytes, now_ns: int) -> None:
        if not compressed.gate.admit(now_ns, self._p.max_image_rate_hz):
            self._health.count(RATE_LIMITED)
            return
        try:
            jpeg = compress(deserialize_message(data, Image), self._p.jpeg_quality, self._p.thermal_palette)
        except ImageConversionError as error:
            self._health.problem(BAD_IMAGE, f'{compressed.image_topic}: {error}')
            self.get_logger().error(f'{compressed.image_topic}: {error}', throttle_duration_sec=5.0)
            return
        self._health.count(COMPRESSED)
        if self._watchers.watched(compressed.channel.id()):
            compressed.channel.log(serialize_message(jpeg), log_time=now_ns)
            self._health.count(FORWARDED)
        if compressed.ros_subscribers > 0:
            publish_or_report(compressed.publisher, jpeg, self._health, self.get_logger())

    def destroy_node(self) -> None:
        if self._server is not None:
            self._server.stop()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    run_node(FoxgloveBridgeNode, 'foxglove_bridge', args)


if __name__ == '__main__':
    main()
