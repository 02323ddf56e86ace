"""Image subscriptions that give back the memory an oversized image took (issue 17: huge images from the network).

A node refuses an image larger than any camera of the robot before decoding it, but the DDS reader under rclpy has
already taken it: rmw_fastrtps preallocates a reader's history and grows it by realloc to the largest sample
received, and a best-effort reader keeps a partly reassembled sample per writer; neither shrinks while the reader
lives (measured: +57 MB kept after 60 MB images). Only destroying the reader returns that memory. So after an image
over `max_bytes` arrived, the subscription is made anew once `quiet_s` passed without another one, at most once per
`min_interval_s`: a flood costs memory only while it lasts, and a sustained one cannot make the node drop the
frames of its cameras more than once per interval (the new reader is matched again within milliseconds)."""

from __future__ import annotations

from collections.abc import Callable
import time
from typing import Any

from rclpy.node import Node
from rclpy.qos import QoSProfile
from sensor_msgs.msg import Image

from fracturescope_common.diagnostics_contract import count
from fracturescope_common.health import Health
from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION

READER_RENEWALS = count('image_reader_renewals')   # image subscriptions made anew after oversized images


class RenewalPolicy:
    """When to make the subscription anew: plain Python, times in seconds of one monotonic clock."""

    def __init__(self, max_bytes: int, quiet_s: float, min_interval_s: float) -> None:
        if max_bytes <= 0 or quiet_s <= 0 or min_interval_s < 0:
            raise ValueError('max_bytes and quiet_s must be positive, min_interval_s not negative')
        self.max_bytes, self.quiet_s, self.min_interval_s = max_bytes, quiet_s, min_interval_s
        self._oversized_at: float | None = None
        self._renewed_at = -float('inf')

    def received(self, data_bytes: int, now_s: float) -> bool:
        """An image of `data_bytes` arrived; True if it is oversized."""
        if data_bytes <= self.max_bytes:
            return False
        self._oversized_at = now_s
        return True

    def due(self, now_s: float) -> bool:
        return (self._oversized_at is not None and now_s - self._oversized_at >= self.quiet_s
                and now_s - self._renewed_at >= self.min_interval_s)

    def renewed(self, now_s: float) -> None:
        self._oversized_at, self._renewed_at = None, now_s


class ImageSubscription:
    """`node.create_subscription(Image, topic, callback, qos)` that renews itself after oversized images; each
    renewal is logged and counted in `health` (READER_RENEWALS, which the node's diagnostics contract lists)."""

    def __init__(self, node: Node, topic: str, callback: Callable[[Image], Any], max_bytes: int, health: Health,
                 qos: QoSProfile = IMAGE_SUBSCRIPTION, quiet_s: float = 2.0, min_interval_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._node, self._topic, self._callback, self._qos = node, topic, callback, qos
        self._health, self._clock = health, clock
        self.policy = RenewalPolicy(max_bytes, quiet_s, min_interval_s)
        self.renewals = 0
        self._subscription = node.create_subscription(Image, topic, self._received, qos)
        self._timer = node.create_timer(quiet_s / 2, self._renew_if_due)

    @property
    def topic_name(self) -> str:
        return self._subscription.topic_name

    def _received(self, msg: Image) -> None:
        self.policy.received(len(msg.data), self._clock())
        self._callback(msg)

    def _renew_if_due(self) -> None:
        now = self._clock()
        if not self.policy.due(now):
            return
        self._node.destroy_subscription(self._subscription)   # its reader's buffers go with it
        self._subscription = self._node.create_subscription(Image, self._topic, self._received, self._qos)
        self.policy.renewed(now)
        self.renewals += 1
        self._health.count(READER_RENEWALS)
        self._node.get_logger().info(f'{self.topic_name}: subscription made anew after images over '
                                     f'{self.policy.max_bytes} B, to give back the memory their reader kept')
