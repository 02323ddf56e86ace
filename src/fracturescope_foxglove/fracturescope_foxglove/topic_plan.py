"""What the bridge serves, decided from the graph's topics (plain Python, no ROS): a channel per allowed topic carrying
the topic's own CDR bytes, and a JPEG `<image topic>/compressed` (image_transport's name) beside each raw image topic
that no one else compresses already. And who watches which channel, as the Foxglove server reports it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import re
import threading
from typing import Protocol

IMAGE_TYPE = 'sensor_msgs/msg/Image'
COMPRESSED_TYPE = 'sensor_msgs/msg/CompressedImage'
COMPRESSED_SUFFIX = '/compressed'


def compressed_topic(image_topic: str) -> str:
    """The compressed topic of a raw image topic, as image_transport names it."""
    return image_topic.rstrip('/') + COMPRESSED_SUFFIX


class AllowList:
    """Topics allowed when one of the regular expressions matches the whole absolute topic name."""

    def __init__(self, patterns: Iterable[str]) -> None:
        try:
            self._patterns = tuple(re.compile(pattern) for pattern in patterns)
        except re.error as error:
            raise ValueError(f'topic allow-list: {error}') from error

    def allows(self, topic: str) -> bool:
        return any(pattern.fullmatch(topic) for pattern in self._patterns)


@dataclass(frozen=True)
class Plan:
    forwarded: dict[str, str]    # topic -> its type: a channel with the topic's own CDR messages
    compressed: dict[str, str]   # compressed topic -> the raw image topic the bridge compresses into it


def plan_channels(topics: Mapping[str, str], allow: AllowList, compressed_elsewhere: set[str]) -> Plan:
    """`topics`: the graph's published topics and their types (the bridge's own compressed outputs included or not);
    `compressed_elsewhere`: compressed topics another node publishes (a camera driver's own image_transport), which
    are forwarded as they are instead of compressed a second time."""
    compressed = {compressed_topic(topic): topic for topic, type_name in topics.items()
                  if type_name == IMAGE_TYPE and compressed_topic(topic) not in compressed_elsewhere
                  and allow.allows(compressed_topic(topic))}
    forwarded = {topic: type_name for topic, type_name in topics.items()
                 if topic not in compressed and allow.allows(topic)}
    return Plan(forwarded, compressed)


class _Channel(Protocol):
    id: int


class _Client(Protocol):
    id: int


class ClientSubscriptions:
    """Which Foxglove clients subscribe to which channel, as the server's listener callbacks say (on the server's
    own threads: hence the lock). `on_change` runs after each change, to wake the node."""

    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._clients: dict[int, set[int]] = {}
        self._on_change = on_change

    def on_subscribe(self, client: _Client, channel: _Channel) -> None:
        with self._lock:
            self._clients.setdefault(channel.id, set()).add(client.id)
        self._changed()

    def on_unsubscribe(self, client: _Client, channel: _Channel) -> None:
        """Also called when a client disconnects, and when a channel it subscribed to is closed."""
        with self._lock:
            clients = self._clients.get(channel.id, set())
            clients.discard(client.id)
            if not clients:
                self._clients.pop(channel.id, None)
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def watched(self, channel_id: int) -> bool:
        with self._lock:
            return channel_id in self._clients

    def watched_channels(self) -> int:
        with self._lock:
            return len(self._clients)
