"""The newest setpoints on their way to the PLC, off the control loop's path.

The control tick hands its output to `SetpointLink.offer` and returns at once: a PLC that answers slowly or not at
all (each request waits for its timeout) must not slow the loop, whose period is the control law's time step. One
exchange is in flight at a time; outputs offered meanwhile are coalesced to the newest, which is sent next (an
e-stop offered during a stuck write is the next thing written, never an older setpoint after it). Runs on the
asyncio loop of the Modbus client; `on_done(output, status)` reports every exchange made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Out = TypeVar('Out')
Status = TypeVar('Status')


class SetpointLink(Generic[Out, Status]):
    def __init__(self, exchange: Callable[[Out], Awaitable[Status | None]],
                 on_done: Callable[[Out, Status | None], None]) -> None:
        self._exchange = exchange
        self._on_done = on_done
        self._pending: Out | None = None
        self._sender: asyncio.Task[None] | None = None
        self.coalesced = 0     # outputs replaced by a newer one before they were sent

    def offer(self, output: Out) -> None:
        """Send `output` next (call on the event loop's thread)."""
        if self._pending is not None:
            self.coalesced += 1
        self._pending = output
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send())

    @property
    def busy(self) -> bool:
        return self._sender is not None and not self._sender.done()

    async def _send(self) -> None:
        while self._pending is not None:
            output, self._pending = self._pending, None
            self._on_done(output, await self._exchange(output))
