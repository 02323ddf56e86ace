"""An asyncio event loop on a thread of its own, for async I/O libraries (pymodbus) inside a node.

The node's executor stays single-threaded (see background.py): a callback submits a coroutine here and `await`s
the rclpy future `in_event_loop` returns, which wakes the executor when the coroutine is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import concurrent.futures
import threading
from typing import Any, TypeVar

from rclpy.node import Node
from rclpy.task import Future

T = TypeVar('T')


class EventLoopThread:
    """Start with `start()`, stop with `stop()` (cancels what still runs there)."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def stop(self, timeout_s: float = 5.0) -> None:
        if not self._thread.is_alive():
            return

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.loop.stop()

        asyncio.run_coroutine_threadsafe(cancel_all(), self.loop)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()


def in_event_loop(node: Node, loop_thread: EventLoopThread, coroutine: Coroutine[Any, Any, T]) -> Future:
    """Run `coroutine` on `loop_thread`; the returned rclpy future wakes the node's executor when it completes."""
    executor = node.executor
    future = Future(executor=executor)

    def done(result: concurrent.futures.Future[T]) -> None:
        try:
            future.set_result(result.result())
        except BaseException as error:  # handed to the awaiting callback (cancellation included)
            future.set_exception(error)
        finally:
            executor.wake()

    loop_thread.submit(coroutine).add_done_callback(done)
    return future
