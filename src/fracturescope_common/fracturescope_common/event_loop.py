"""An asyncio event loop on a thread of its own, for async I/O libraries (pymodbus) inside a node.

The node's executor stays single-threaded (see background.py): a callback hands work to the loop
(`submit`, or `loop.call_soon_threadsafe`) and returns; what the loop finds is reported from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import concurrent.futures
import threading
from typing import Any, TypeVar

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
