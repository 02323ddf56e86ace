"""A paho-mqtt client for tests, where the operator centre (or a robot) would be: connect and see the broker's
answer, subscribe, publish and wait for the broker's acknowledgement, wait for messages.

    with MqttProbe(broker.endpoint('operator'), 'operator', clean_session=False) as probe:
        assert probe.connect().value == 0
        probe.subscribe('fracturescope/+/alerts', qos=1)
        message = probe.next_message(timeout_s=10)

Over TLS the probe trusts the endpoint's CA only (`trust_ca=False`: the system's CAs, which do not know a test CA).
The paho network loop runs on its own thread (loop_start); what it receives waits in queues read by the test.
"""

from __future__ import annotations

from dataclasses import dataclass
import queue
import ssl
import threading
from types import TracebackType

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from fracturescope_testing.mqtt_broker import MqttEndpoint


class MqttProbeError(AssertionError):
    """The broker did not answer in time, or refused what the test asked for."""


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    duplicate: bool


class MqttProbe:
    def __init__(self, endpoint: MqttEndpoint, client_id: str, *, clean_session: bool = True,
                 protocol: MQTTProtocolVersion = MQTTProtocolVersion.MQTTv311, trust_ca: bool = True,
                 keepalive_s: int = 30) -> None:
        self.endpoint = endpoint
        self.protocol = protocol
        self._clean = clean_session
        self._keepalive_s = keepalive_s
        v5 = protocol == MQTTProtocolVersion.MQTTv5
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                                  clean_session=None if v5 else clean_session, reconnect_on_failure=False)
        if endpoint.username is not None:
            self.client.username_pw_set(endpoint.username, endpoint.password)
        if endpoint.tls:
            ca = str(endpoint.ca_file) if trust_ca and endpoint.ca_file else None
            self.client.tls_set(ca_certs=ca, cert_reqs=ssl.CERT_REQUIRED)
        self.messages: queue.Queue[Received] = queue.Queue()
        self.session_present: bool | None = None
        self.disconnects: queue.Queue[ReasonCode] = queue.Queue()
        self._connack: queue.Queue[ReasonCode] = queue.Queue()
        self._subacks: dict[int, list[ReasonCode]] = {}
        self._suback_arrived = threading.Condition()
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self._looping = False

    def connect(self, timeout_s: float = 10.0) -> ReasonCode:
        """Connect and return the broker's CONNACK reason code (0 Success; a refusal is a failure code, not an
        exception). A TLS failure raises ssl.SSLError, a closed port ConnectionRefusedError, as paho does."""
        properties = None
        if self.protocol == MQTTProtocolVersion.MQTTv5:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties
            properties = Properties(PacketTypes.CONNECT)
            if not self._clean:   # a session that outlives the connection (MQTT 5: an expiry interval)
                properties.SessionExpiryInterval = 0xFFFFFFFF
            self.client.connect(self.endpoint.host, self.endpoint.port, self._keepalive_s,
                                clean_start=self._clean, properties=properties)
        else:
            self.client.connect(self.endpoint.host, self.endpoint.port, self._keepalive_s)
        if not self._looping:
            self.client.loop_start()
            self._looping = True
        try:
            return self._connack.get(timeout=timeout_s)
        except queue.Empty:
            raise MqttProbeError(f'no CONNACK from {self.endpoint.url} within {timeout_s} s') from None

    def subscribe(self, topic: str, qos: int = 1, timeout_s: float = 10.0) -> list[ReasonCode]:
        """Subscribe and wait for the SUBACK; MqttProbeError if the broker refused (or granted less than asked)."""
        result, mid = self.client.subscribe(topic, qos)
        if result != mqtt.MQTT_ERR_SUCCESS:
            raise MqttProbeError(f'subscribe {topic!r} not sent: {mqtt.error_string(result)}')
        with self._suback_arrived:
            if not self._suback_arrived.wait_for(lambda: mid in self._subacks, timeout_s):
                raise MqttProbeError(f'no SUBACK for {topic!r} within {timeout_s} s')
            granted = self._subacks.pop(mid)
        if any(code.is_failure or code.value < qos for code in granted):
            raise MqttProbeError(f'subscription {topic!r} at QoS {qos}: broker answered {granted}')
        return granted

    def publish(self, topic: str, payload: bytes | str, qos: int = 1, retain: bool = False,
                timeout_s: float = 10.0) -> None:
        """Publish and, for QoS 1 and 2, wait until the broker acknowledged it (PUBACK / PUBCOMP)."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise MqttProbeError(f'publish to {topic!r} failed: {mqtt.error_string(info.rc)}')
        info.wait_for_publish(timeout_s)
        if not info.is_published():
            raise MqttProbeError(f'publish to {topic!r} not acknowledged within {timeout_s} s')

    def next_message(self, timeout_s: float = 10.0) -> Received:
        try:
            return self.messages.get(timeout=timeout_s)
        except queue.Empty:
            raise MqttProbeError(f'no message within {timeout_s} s') from None

    def no_message(self, within_s: float) -> bool:
        """True if nothing arrives within `within_s` (for 'this was not delivered')."""
        try:
            self.messages.get(timeout=within_s)
        except queue.Empty:
            return True
        return False

    def disconnect(self) -> None:
        """A clean DISCONNECT, then the network thread stops."""
        if self.client.is_connected():
            self.client.disconnect()
        if self._looping:
            self.client.loop_stop()
            self._looping = False

    def __enter__(self) -> MqttProbe:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.disconnect()

    # --- paho callbacks (its network thread) ---

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: mqtt.ConnectFlags, reason_code: ReasonCode,
                    properties: object) -> None:
        self.session_present = flags.session_present
        self._connack.put(reason_code)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.messages.put(Received(message.topic, message.payload, message.qos, message.retain, bool(message.dup)))

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int, reason_codes: list[ReasonCode],
                      properties: object) -> None:
        with self._suback_arrived:
            self._subacks[mid] = list(reason_codes)
            self._suback_arrived.notify_all()

    def _on_disconnect(self, client: mqtt.Client, userdata: object, flags: mqtt.DisconnectFlags,
                       reason_code: ReasonCode, properties: object) -> None:
        self.disconnects.put(reason_code)
