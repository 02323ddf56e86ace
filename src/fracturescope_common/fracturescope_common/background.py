"""Slow work off the executor: a service or timer callback `await`s it while the node keeps spinning.

rclpy's MultiThreadedExecutor would also keep callbacks flowing, but on this class of machine it delivered
barely 20 messages/s to a subscription (measured: 207 of 600 detections at 200 Hz; the single-threaded
executor took all 600), so nodes spin single-threaded and move blocking work here.
"""

from collections.abc import Callable
import threading
from typing import TypeVar

from rclpy.node import Node
from rclpy.task import Future

T = TypeVar('T')


def in_background(node: Node, work: Callable[[], T], name: str = 'background') -> Future:
    """Run `work` on its own thread; the returned future wakes the node's executor when it completes."""
    executor = node.executor
    future = Future(executor=executor)

    def run() -> None:
        try:
            future.set_result(work())
        except Exception as error:  # handed to the awaiting callback, which decides what it means
            future.set_exception(error)
        finally:
            executor.wake()  # a coroutine awaiting the future is resumed only when the executor wakes up

    threading.Thread(target=run, name=f'{node.get_name()}-{name}', daemon=True).start()
    return future
