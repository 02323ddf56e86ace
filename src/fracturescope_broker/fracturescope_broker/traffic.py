"""What the embedded broker carries, counted by an amqtt plugin on the broker's event loop.

amqtt fires its events to every plugin that has an `on_<event>` coroutine (amqtt.plugins.manager.PluginManager):
CONNACKs sent tell accepted from refused connections (and why), client connect / disconnect events the clients
connected now, messages received from clients and PUBLISH packets sent to them the traffic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amqtt.mqtt.connack import ConnackPacket
from amqtt.mqtt.publish import PublishPacket
from amqtt.plugins.base import BasePlugin

# CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3)
REFUSALS = {1: 'unacceptable protocol version (amqtt speaks MQTT 3.1.1 only)', 2: 'client identifier rejected',
            3: 'server unavailable', 4: 'bad user name or password', 5: 'not authorized'}


@dataclass(frozen=True)
class Traffic:
    clients: int          # connected now
    accepted: int         # connections accepted since start
    refused: int          # connections refused (credentials, protocol version, client id)
    received: int         # application messages received from clients
    sent: int             # PUBLISH packets sent to clients (resent ones included)


class TrafficCounter(BasePlugin):
    """Loaded by amqtt from its dotted path; `on_refused(description)` is called (on the broker's loop) for every
    refused connection once the owner has set it."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._connected: Counter[str] = Counter()   # a client id taken over is connected twice for a moment
        self._accepted = self._refused = self._received = self._sent = 0
        self.on_refused: Callable[[str], None] | None = None

    def snapshot(self) -> Traffic:
        return Traffic(sum(1 for n in list(self._connected.values()) if n > 0), self._accepted, self._refused,
                       self._received, self._sent)

    async def on_mqtt_packet_sent(self, *, packet: Any, session: Any = None) -> None:
        if isinstance(packet, ConnackPacket):
            code = packet.return_code or 0
            if code == 0:
                self._accepted += 1
                return
            self._refused += 1
            if self.on_refused is not None:
                who = getattr(session, 'client_id', None)
                address = getattr(session, 'remote_address', None)
                self.on_refused(f'{who or "a client"}{f" from {address}" if address else ""}: '
                                f'{REFUSALS.get(code, f"code {code}")}')
        elif isinstance(packet, PublishPacket):
            self._sent += 1

    async def on_broker_client_connected(self, *, client_id: str, client_session: Any = None) -> None:
        self._connected[client_id] += 1

    async def on_broker_client_disconnected(self, *, client_id: str, client_session: Any = None) -> None:
        self._connected[client_id] -= 1
        if self._connected[client_id] <= 0:
            del self._connected[client_id]

    async def on_broker_message_received(self, *, client_id: str, message: Any = None) -> None:
        if message is not None:
            self._received += 1
