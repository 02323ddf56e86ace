"""The MQTT side of the uplink (paho-mqtt): one persistent connection to the operator's broker, with TLS and a password
from config, exponential reconnect backoff, the outbox drained in order with QoS 1, and commands taken back.

An alert is removed from the outbox only on the broker's PUBACK. At most `max_in_flight` alerts are handed to paho at
once; paho sends them again (DUP) after a reconnect, so nothing waits on the outbox twice. A crash between a PUBACK and
its removal sends that alert again after the restart: at least once, never lost (receivers drop seen `alert_id`s).

Threads: `pump` (the node's thread) owns the in-flight map and the outbox calls; paho's callbacks (its network thread,
holding paho's own locks) only queue what happened. A callback that took a lock `pump` holds while it calls paho
would deadlock the two (seen: a PUBACK arriving during a publish)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import queue
import ssl
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from fracturescope_uplink.alert_schema import alerts_topic, with_thumbnail
from fracturescope_uplink.bandwidth import ByteBudget
from fracturescope_uplink.command_gateway import command_ack_topic, commands_topic
from fracturescope_uplink.outbox import Outbox, OutboxError
from fracturescope_uplink.telemetry import telemetry_topic

STATUS_SCHEMA = 'fracturescope.status/1'
MQTT_OVERHEAD_BYTES = 8   # fixed header, topic length, packet id (the topic itself is counted too)


def status_topic(robot_id: str) -> str:
    return f'fracturescope/{robot_id}/status'


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    client_id: str
    username: str = ''
    password: str = ''
    tls_ca_file: str = ''      # TLS when set: the broker's certificate must chain to this CA
    tls_cert_file: str = ''    # client certificate and key, when the broker asks for one
    tls_key_file: str = ''
    keepalive_s: int = 30
    reconnect_min_s: int = 1
    reconnect_max_s: int = 60


def paho_client(s: BrokerSettings, clean_session: bool, manual_ack: bool = False) -> mqtt.Client:
    """A paho client (MQTT 3.1.1) with the settings' credentials, TLS and reconnect backoff; not connected.
    `manual_ack`: a received QoS 1 message is acknowledged only by `client.ack` (once it is stored)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=s.client_id, clean_session=clean_session,
                         protocol=mqtt.MQTTv311, manual_ack=manual_ack)
    if s.username:
        client.username_pw_set(s.username, s.password or None)
    if s.tls_ca_file:
        client.tls_set(ca_certs=s.tls_ca_file, certfile=s.tls_cert_file or None, keyfile=s.tls_key_file or None,
                       cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    client.reconnect_delay_set(s.reconnect_min_s, s.reconnect_max_s)
    return client


@dataclass
class LinkCounters:
    connects: int = 0
    disconnects: int = 0
    published: int = 0
    acknowledged: int = 0
    bytes_sent: int = 0
    thumbnails_left_out: int = 0
    telemetry_sent: int = 0
    telemetry_skipped: int = 0   # not sent: link down or byte budget short (telemetry is not queued)
    commands_received: int = 0
    last_error: str = ''
    acked_latency_s: list[float] = field(default_factory=list)   # publish -> PUBACK, newest 1000


class MqttLink:
    def __init__(self, settings: BrokerSettings, robot_id: str, outbox: Outbox, budget: ByteBudget, *,
                 max_in_flight: int, thumbnail_backlog: int, on_command: Callable[[bytes], bytes | None],
                 on_error: Callable[[str], None] = lambda message: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings, self.robot_id = settings, robot_id
        self._outbox, self._budget, self._clock = outbox, budget, clock
        self._max_in_flight, self._thumbnail_backlog = max_in_flight, thumbnail_backlog
        self._on_command, self._on_error = on_command, on_error
        self._in_flight: dict[int, tuple[int, float]] = {}   # paho mid -> (outbox seq, when handed to paho)
        self._acks: queue.SimpleQueue[tuple[int, float]] = queue.SimpleQueue()   # PUBACKs: (mid, when), from paho
        self.counters = LinkCounters()
        self.connected = False
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = paho_client(self.settings, clean_session=True)
        client.will_set(status_topic(self.robot_id), json.dumps({'schema': STATUS_SCHEMA, 'robot_id': self.robot_id,
                                                                 'online': False}), qos=1, retain=True)
        client.max_inflight_messages_set(self._max_in_flight)
        client.on_connect = self._connected
        client.on_connect_fail = self._connect_failed
        client.on_disconnect = self._disconnected
        client.on_publish = self._acknowledged
        client.on_message = self._message
        return client

    def start(self) -> None:
        """Connect in the background; paho retries with backoff until `stop`."""
        self._client.connect_async(self.settings.host, self.settings.port, self.settings.keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        if self.connected:
            self._client.publish(status_topic(self.robot_id), self._status_payload(online=False), qos=1, retain=True)
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def pump(self) -> int:
        """Remove what the broker acknowledged from the outbox, then hand it the next alerts (in order per kind,
        within the byte budget); how many were handed over. Call it from one thread only."""
        self._settle_acknowledged()
        if not self.connected:
            return 0
        room = self._max_in_flight - len(self._in_flight)
        if room <= 0:
            return 0
        in_flight_seqs = [seq for seq, _ in self._in_flight.values()]
        queued = self._outbox.queued
        sent = 0
        for alert in self._outbox.next_to_send(time.time_ns(), in_flight_seqs, room):
            topic = alerts_topic(self.robot_id, alert.kind)
            payload, now = alert.body, self._clock()
            if alert.thumbnail:    # thumbnails are the first to go when bytes or time are short
                full = with_thumbnail(alert.body, alert.thumbnail)
                cost = len(full) + len(topic) + MQTT_OVERHEAD_BYTES
                if queued <= self._thumbnail_backlog and self._budget.affords(cost, now):
                    payload = full
            cost = len(payload) + len(topic) + MQTT_OVERHEAD_BYTES
            if not self._budget.affords(cost, now):
                break
            info = self._client.publish(topic, payload, qos=1)
            if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                self.counters.last_error = f'publish failed: {mqtt.error_string(info.rc)}'
                break
            self._in_flight[info.mid] = (alert.seq, now)   # its PUBACK, even an early one, waits in the queue
            self._budget.spend(cost, now)
            self.counters.published += 1
            self.counters.bytes_sent += cost
            self.counters.thumbnails_left_out += bool(alert.thumbnail) and payload is alert.body
            sent += 1
        return sent

    def _settle_acknowledged(self) -> None:
        while True:
            try:
                mid, acked_at = self._acks.get_nowait()
            except queue.Empty:
                return
            entry = self._in_flight.get(mid)
            if entry is None:
                continue   # a status or command ack message, not an alert
            seq, handed_at = entry
            try:
                self._outbox.acknowledged(seq)   # out of the outbox before out of flight: never sent twice
            except OutboxError as error:
                self.counters.last_error = str(error)
                self._on_error(str(error))
                continue   # still in flight: tried again at the next pump
            del self._in_flight[mid]
            self.counters.acknowledged += 1
            self.counters.acked_latency_s = [*self.counters.acked_latency_s[-999:], acked_at - handed_at]

    def publish_status(self, extra: dict[str, Any]) -> None:
        """The robot's link state, retained (the broker keeps the newest for operators who connect later)."""
        if self.connected:
            self._client.publish(status_topic(self.robot_id), self._status_payload(online=True, **extra), qos=1,
                                 retain=True)

    def publish_telemetry(self, payload: bytes) -> bool:
        """One telemetry message, QoS 0, if the link is up and the byte budget affords it (alerts keep their
        priority: a short budget skips telemetry, never queues it); whether it went."""
        topic = telemetry_topic(self.robot_id)
        cost, now = len(payload) + len(topic) + MQTT_OVERHEAD_BYTES, self._clock()
        if not self.connected or not self._budget.affords(cost, now):
            self.counters.telemetry_skipped += 1
            return False
        if self._client.publish(topic, payload, qos=0).rc != mqtt.MQTT_ERR_SUCCESS:
            self.counters.telemetry_skipped += 1
            return False
        self._budget.spend(cost, now)
        self.counters.telemetry_sent += 1
        self.counters.bytes_sent += cost
        return True

    def _status_payload(self, online: bool, **extra: Any) -> str:
        return json.dumps({'schema': STATUS_SCHEMA, 'robot_id': self.robot_id, 'online': online,
                           'utc': datetime.now(UTC).isoformat(timespec='milliseconds'), **extra},
                          separators=(',', ':'))

    # paho's network thread from here on
    def _connected(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                   properties: object) -> None:
        if getattr(reason, 'is_failure', False):
            self.counters.last_error = f'broker refused the connection: {reason}'
            self._on_error(self.counters.last_error)
            return
        self.connected = True    # the node's next pump sends (not from here: see the module docstring)
        self.counters.connects += 1
        client.subscribe(commands_topic(self.robot_id), qos=1)

    def _connect_failed(self, client: mqtt.Client, userdata: object) -> None:
        self.counters.last_error = f'cannot connect to {self.settings.host}:{self.settings.port}'
        self._on_error(self.counters.last_error)

    def _disconnected(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                      properties: object) -> None:
        if self.connected:
            self.counters.disconnects += 1
        self.connected = False
        if getattr(reason, 'is_failure', False):
            self.counters.last_error = f'link lost: {reason}'
            self._on_error(self.counters.last_error)

    def _acknowledged(self, client: mqtt.Client, userdata: object, mid: int, reason: object,
                      properties: object) -> None:
        self._acks.put((mid, self._clock()))

    def _message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.counters.commands_received += 1
        ack = self._on_command(bytes(message.payload))
        if ack is not None:
            client.publish(command_ack_topic(self.robot_id), ack, qos=1)

