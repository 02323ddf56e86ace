"""A minimal Foxglove WebSocket client on the standard library: what the Foxglove app does when it connects, for the
bridge's tests and for checking a robot's bridge without the app (`fracturescope-foxglove-check ws://<robot>:8765`).

It offers both subprotocols the app offers: foxglove.sdk.v1, the only one foxglove-sdk 0.30 accepts (it answers an
offer of foxglove.websocket.v1 alone with 400 "Missing expected sec-websocket-protocol header"), and
foxglove.websocket.v1, the ws-protocol name older servers (ros-foxglove-bridge before 3.2) expect; the messages are
the same.

WebSocket framing after RFC 6455 (client frames masked, fragmented messages joined, pings answered); the Foxglove
messages after foxglove/ws-protocol docs/spec.md: JSON text ops (serverInfo, advertise, unadvertise, subscribe,
unsubscribe) and binary server messages (0x01 message data: subscription id u32 LE, log time u64 LE ns, payload).
"""

from __future__ import annotations

import argparse
import base64
from dataclasses import dataclass
import hashlib
import json
import os
import socket
import struct
import sys
import time
from typing import Any
from urllib.parse import urlparse

SUBPROTOCOLS = ('foxglove.sdk.v1', 'foxglove.websocket.v1')
_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'   # RFC 6455 section 1.3
_CONTINUATION, _TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MESSAGE_DATA, TIME = 0x01, 0x02                   # binary server opcodes


class ProtocolError(RuntimeError):
    """The server broke the WebSocket or Foxglove protocol, closed the connection, or did not answer in time."""


@dataclass(frozen=True)
class MessageData:
    """One message the server sent for a subscription."""

    subscription_id: int
    log_time_ns: int
    payload: bytes


class FoxgloveClient:
    """Connected on construction; `channels` follows the server's advertise / unadvertise messages."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        parsed = urlparse(url)
        if parsed.scheme != 'ws' or not parsed.hostname:
            raise ValueError(f'{url!r} is not a ws://host:port URL')
        self.channels: dict[int, dict[str, Any]] = {}
        self.server_info: dict[str, Any] | None = None
        self._next_subscription = 1
        self._sock = socket.create_connection((parsed.hostname, parsed.port or 80), timeout=timeout_s)
        self._buffer = b''
        self._handshake(parsed.hostname, parsed.port or 80, parsed.path or '/', timeout_s)

    def _handshake(self, host: str, port: int, path: str, timeout_s: float) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f'GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                   f'Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n'
                   f'Sec-WebSocket-Protocol: {", ".join(SUBPROTOCOLS)}\r\n\r\n')
        self._sock.sendall(request.encode())
        deadline = time.monotonic() + timeout_s
        while b'\r\n\r\n' not in self._buffer:
            self._fill(deadline)
        head, self._buffer = self._buffer.split(b'\r\n\r\n', 1)
        lines = head.decode('latin-1').split('\r\n')
        if not lines[0].startswith('HTTP/1.1 101'):
            raise ProtocolError(f'no WebSocket upgrade: {lines[0]!r}')
        fields = (line.partition(':') for line in lines[1:])
        headers = {name.strip().lower(): value.strip() for name, _, value in fields}
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        if headers.get('sec-websocket-accept') != accept:
            raise ProtocolError('wrong Sec-WebSocket-Accept')
        self.subprotocol = headers.get('sec-websocket-protocol', '')
        if self.subprotocol not in SUBPROTOCOLS:
            raise ProtocolError(f'server chose subprotocol {self.subprotocol!r}, not one of {SUBPROTOCOLS}')

    # --- WebSocket framing ---

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError('no data from the server in time')
        self._sock.settimeout(remaining)
        try:
            chunk = self._sock.recv(1 << 20)
        except TimeoutError:
            raise TimeoutError('no data from the server in time') from None
        if not chunk:
            raise ProtocolError('the server closed the connection')
        self._buffer += chunk

    def _take(self, n: int, deadline: float) -> bytes:
        while len(self._buffer) < n:
            self._fill(deadline)
        taken, self._buffer = self._buffer[:n], self._buffer[n:]
        return taken

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack('!BB', 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack('!BBH', 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack('!BBQ', 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self._sock.sendall(header + mask + masked)

    def _read_message(self, deadline: float) -> tuple[int, bytes]:
        """The next whole data message (text or binary), fragments joined; control frames handled on the way."""
        opcode, parts = None, []
        while True:
            first, second = self._take(2, deadline)
            fin, frame_opcode, length = first & 0x80, first & 0x0F, second & 0x7F
            if length == 126:
                (length,) = struct.unpack('!H', self._take(2, deadline))
            elif length == 127:
                (length,) = struct.unpack('!Q', self._take(8, deadline))
            mask = self._take(4, deadline) if second & 0x80 else None
            payload = self._take(length, deadline)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if frame_opcode == _PING:
                self._send_frame(_PONG, payload)
                continue
            if frame_opcode == _PONG:
                continue
            if frame_opcode == _CLOSE:
                raise ProtocolError(f'the server closed the connection: {payload[2:].decode(errors="replace")}')
            if frame_opcode != _CONTINUATION:
                opcode = frame_opcode
            parts.append(payload)
            if fin:
                return opcode, b''.join(parts)

    # --- Foxglove protocol ---

    def _send_json(self, message: dict[str, Any]) -> None:
        self._send_frame(_TEXT, json.dumps(message).encode())

    def poll(self, timeout_s: float) -> MessageData | dict[str, Any] | None:
        """Handle the next server message: the JSON op (advertise, status...) or the message data; None when nothing
        came within `timeout_s`. Advertise / unadvertise / serverInfo also update `channels` / `server_info`."""
        try:
            opcode, payload = self._read_message(time.monotonic() + timeout_s)
        except TimeoutError:
            return None
        if opcode == _TEXT:
            message = json.loads(payload)
            if message.get('op') == 'serverInfo':
                self.server_info = message
            elif message.get('op') == 'advertise':
                self.channels.update({channel['id']: channel for channel in message['channels']})
            elif message.get('op') == 'unadvertise':
                for channel_id in message['channelIds']:
                    self.channels.pop(channel_id, None)
            return message
        if payload[:1] == bytes([MESSAGE_DATA]):
            subscription_id, log_time_ns = struct.unpack_from('<IQ', payload, 1)
            return MessageData(subscription_id, log_time_ns, payload[13:])
        return {'op': f'binary 0x{payload[0]:02x}' if payload else 'empty binary'}

    def channel(self, topic: str, timeout_s: float) -> dict[str, Any]:
        """The channel advertised for `topic`, waiting up to `timeout_s` for it."""
        deadline = time.monotonic() + timeout_s
        while True:
            for channel in self.channels.values():
                if channel['topic'] == topic:
                    return channel
            if time.monotonic() >= deadline:
                raise TimeoutError(f'no channel {topic!r} advertised; have {sorted(self.topics())}')
            self.poll(deadline - time.monotonic())

    def topics(self) -> set[str]:
        return {channel['topic'] for channel in self.channels.values()}

    def subscribe(self, channel_id: int) -> int:
        """Subscribe to a channel; returns the subscription id its messages will carry."""
        subscription_id = self._next_subscription
        self._next_subscription += 1
        self._send_json({'op': 'subscribe', 'subscriptions': [{'id': subscription_id, 'channelId': channel_id}]})
        return subscription_id

    def unsubscribe(self, subscription_id: int) -> None:
        self._send_json({'op': 'unsubscribe', 'subscriptionIds': [subscription_id]})

    def message(self, subscription_id: int, timeout_s: float) -> MessageData:
        """The next message of one subscription (others received meanwhile are dropped)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            event = self.poll(deadline - time.monotonic())
            if isinstance(event, MessageData) and event.subscription_id == subscription_id:
                return event
        raise TimeoutError(f'no message for subscription {subscription_id} within {timeout_s} s')

    def close(self) -> None:
        try:
            self._send_frame(_CLOSE, struct.pack('!H', 1000))
        except OSError:
            pass
        self._sock.close()

    def __enter__(self) -> FoxgloveClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> None:
    """List a bridge's channels, and with --topic receive messages of one and print their rate and size."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('url', help='ws://<robot>:8765')
    parser.add_argument('--topic', help='receive this topic for --seconds and report rate and size')
    parser.add_argument('--seconds', type=float, default=5.0, help='how long to receive --topic [s]')
    args = parser.parse_args(argv)
    with FoxgloveClient(args.url) as client:
        end = time.monotonic() + 2.0                    # the server advertises its channels right after connecting
        while time.monotonic() < end:
            client.poll(end - time.monotonic())
        for channel in sorted(client.channels.values(), key=lambda c: c['topic']):
            print(f'{channel["topic"]}  {channel["schemaName"]}  ({channel["encoding"]})')
        if not args.topic:
            return
        subscription = client.subscribe(client.channel(args.topic, 5.0)['id'])
        sizes, end = [], time.monotonic() + args.seconds
        while time.monotonic() < end:
            event = client.poll(end - time.monotonic())
            if isinstance(event, MessageData) and event.subscription_id == subscription:
                sizes.append(len(event.payload))
        if not sizes:
            sys.exit(f'no message on {args.topic} in {args.seconds:g} s')
        print(f'{args.topic}: {len(sizes) / args.seconds:.1f} msg/s, mean {sum(sizes) / len(sizes) / 1024:.1f} KiB')


if __name__ == '__main__':
    main()
