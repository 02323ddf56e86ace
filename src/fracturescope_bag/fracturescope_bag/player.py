"""Publishes a bag's messages again as they were recorded: serialized bytes as they are in the bag, at the recorded
gaps divided by the rate, each topic with the QoS its recorded publishers offered, optionally /clock with the bag
time (for nodes run with use_sim_time). The timing lives in playback_schedule.py, the bag in bag_reader.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
import threading
import time

from fracturescope_common.message_types import UnknownMessageTypeError, message_class
from rclpy.duration import Duration
from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rosgraph_msgs.msg import Clock

from .bag_damage import BagDamage
from .bag_reader import Bag
from .playback_schedule import NS_PER_S, PlaybackSchedule, playback_start
from .qos_profiles import playback_qos

# rclcpp::ClockQoS, what rosbag2 publishes /clock with and what rclpy's time source subscribes with.
CLOCK_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
# How long the end of playback waits for reliable subscribers to acknowledge the last messages.
ACK_TIMEOUT_S = 5.0


@dataclass
class PlayOptions:
    rate: float = 1.0
    loop: bool = False
    start_offset_s: float = 0.0
    topics: list[str] | None = None  # None: every topic of the bag
    remaps: dict[str, str] = field(default_factory=dict)  # bag topic -> published topic
    clock_hz: float = 0.0  # 0: no /clock
    wait_for_subscribers_s: float = 0.0  # wait up to this long for every topic to have a subscriber first
    delay_s: float = 0.0  # sleep this long before each pass; /clock (if any) holds the start time meanwhile


@dataclass
class PlayReport:
    published: Counter = field(default_factory=Counter)  # per bag topic
    skipped_topics: dict[str, str] = field(default_factory=dict)  # bag topic -> why it is not played
    damages: list[BagDamage] = field(default_factory=list)
    passes: int = 0
    stopped: bool = False


def same_topic(a: str, b: str) -> bool:
    """Bags written in the root namespace name topics with or without the leading slash."""
    return a.lstrip('/') == b.lstrip('/')


class Player:
    def __init__(self, node: Node, bag: Bag, options: PlayOptions, stop: threading.Event,
                 log: Callable[[str], None]) -> None:
        self.node, self.bag, self.options, self.stop, self.log = node, bag, options, stop, log
        self.report = PlayReport()
        self.publishers: dict[str, Publisher] = {}
        for topic in bag.topics.values():
            if options.topics is not None and not any(same_topic(topic.name, t) for t in options.topics):
                continue
            try:
                msg_type = message_class(topic.type)
            except UnknownMessageTypeError as error:
                self.report.skipped_topics[topic.name] = str(error)
                continue
            qos, warning = playback_qos(topic.offered_qos)
            if warning:
                log(f'{topic.name}: {warning}')
            target = next((v for k, v in options.remaps.items() if same_topic(k, topic.name)), topic.name)
            self.publishers[topic.name] = node.create_publisher(msg_type, target, qos)
        if options.topics is not None:
            for wanted in options.topics:
                if not any(same_topic(wanted, t) for t in bag.topics):
                    self.report.skipped_topics[wanted] = 'not in the bag'
        self.clock = node.create_publisher(Clock, '/clock', CLOCK_QOS) if options.clock_hz > 0 else None
        self._next_clock_s = 0.0

    def play(self) -> PlayReport:
        """Play until the end of the bag (again and again with `loop`) or until `stop` is set."""
        self._wait_for_subscribers()
        while not self.stop.is_set():
            finished = self._play_once()
            self.report.passes += 1
            if self.report.passes == 1:
                self.report.damages = list(self.bag.damages)
            if not finished or not self.options.loop or not sum(self.report.published.values()):
                break
        self.report.stopped = self.stop.is_set()
        self._wait_for_acknowledgements()
        return self.report

    def _play_once(self) -> bool:
        topics = set(self.publishers)
        first = None
        if self.bag.starting_time_ns is None:  # a single file without metadata: its first message starts it
            first = next(iter(self.bag.messages(topics)), None)
        start_ns = playback_start(self.bag.starting_time_ns, first.timestamp_ns if first else None,
                                  self.options.start_offset_s)
        if start_ns is None:
            return True
        # With a delay, /clock says the start time first, so that nodes on /clock have it before the first message
        # (without it, their clock reads 0 and the first messages look stamped far in the future).
        schedule = PlaybackSchedule(start_ns, time.monotonic() + self.options.delay_s, self.options.rate)
        self._next_clock_s = time.monotonic()
        for message in self.bag.messages(topics, start_ns=start_ns):
            if not self._wait_until(schedule.due_at(message.timestamp_ns), schedule):
                return False
            self.publishers[message.topic].publish(message.data)
            self.report.published[message.topic] += 1
        return True

    def _wait_until(self, due_s: float, schedule: PlaybackSchedule) -> bool:
        """Sleep until `due_s` (steady clock), publishing /clock on the way; False when stopped."""
        while True:
            now = time.monotonic()
            if self.clock is not None and now >= self._next_clock_s:
                stamp = schedule.bag_time_at(now)
                msg = Clock()
                msg.clock.sec, msg.clock.nanosec = divmod(stamp, NS_PER_S)
                self.clock.publish(msg)
                self._next_clock_s = max(self._next_clock_s + 1.0 / self.options.clock_hz, now)
            if now >= due_s:
                return not self.stop.is_set()
            wait = due_s - now
            if self.clock is not None:
                wait = min(wait, max(0.0, self._next_clock_s - now))
            if self.stop.wait(wait):
                return False

    def _wait_for_subscribers(self) -> None:
        if self.options.wait_for_subscribers_s <= 0:
            return
        deadline = time.monotonic() + self.options.wait_for_subscribers_s
        lonely = list(self.publishers.values())
        while lonely and time.monotonic() < deadline and not self.stop.wait(0.05):
            lonely = [p for p in lonely if p.get_subscription_count() == 0]
        if lonely:
            self.log(f'no subscriber after {self.options.wait_for_subscribers_s:g} s on '
                     f'{", ".join(p.topic_name for p in lonely)}: playing anyway')

    def _wait_for_acknowledgements(self) -> None:
        # A reliable subscriber may not have every message yet when the last one is published; the process must not
        # end (taking its DDS writer with it) before they are acknowledged.
        deadline = time.monotonic() + ACK_TIMEOUT_S
        for publisher in self.publishers.values():
            if publisher.qos_profile.reliability == ReliabilityPolicy.RELIABLE:
                publisher.wait_for_all_acked(Duration(seconds=max(0.0, deadline - time.monotonic())))
