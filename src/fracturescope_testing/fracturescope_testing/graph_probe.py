"""A node of one's own inside a running graph, for tests, benchmarks and the main job: subscribe, publish,
call services and spin until something happens, all in a private rclpy context on the graph's domain."""

from collections.abc import Callable, Mapping, Sequence
import time
from typing import Any

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile
from rclpy.signals import SignalHandlerOptions


class GraphProbe:
    """Joins the ROS domain of `env` (as isolated_ros_env returns it) with one node named `name`."""

    def __init__(self, env: Mapping[str, str], name: str = 'probe') -> None:
        self.context = rclpy.Context()
        # No signal handlers: Ctrl-C stays a KeyboardInterrupt for the caller to handle.
        rclpy.init(context=self.context, domain_id=int(env['ROS_DOMAIN_ID']),
                   signal_handler_options=SignalHandlerOptions.NO)
        self.node = rclpy.create_node(name, context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def collect(self, msg_type: type, topic: str, qos: QoSProfile | int) -> list[Any]:
        """A list that receives every message on `topic` while the probe spins."""
        received: list[Any] = []
        self.node.create_subscription(msg_type, topic, received.append, qos)
        return received

    def spin_until(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        """Spin until `condition()` holds; False if it still does not after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            self.executor.spin_once(timeout_sec=0.05)
        return condition()

    def publish_until(self, messages: Sequence[tuple[Any, Any]], taken: Callable[[], bool], timeout_s: float,
                      retry_s: float = 1.0) -> bool:
        """Publish each (publisher, message) of `messages` again every `retry_s` until `taken()` holds.

        A best-effort reader (camera QoS) drops what arrives before it has matched the writer, although the writer
        already counts the reader as matched: what the reader has not taken is sent once more. False if it is still
        not taken after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for publisher, message in messages:
                publisher.publish(message)
            if self.spin_until(taken, min(retry_s, max(0.0, deadline - time.monotonic()))):
                return True
        return taken()

    def call(self, srv_type: type, name: str, request: Any, timeout_s: float = 30.0) -> Any | None:
        """The response of service `name`, or None when it is not there or does not answer in time."""
        client = self.node.create_client(srv_type, name)
        try:
            if not client.wait_for_service(timeout_sec=timeout_s):
                return None
            future = client.call_async(request)
            self.executor.spin_until_future_complete(future, timeout_sec=timeout_s)
            return future.result() if future.done() else None
        finally:
            self.node.destroy_client(client)

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)

    def __enter__(self) -> 'GraphProbe':
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
