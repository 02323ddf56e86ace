"""The centre's MQTT client (paho): a persistent session (fixed client id, clean_session false) subscribed to the
whole fleet with QoS 1, so that what robots publish while the centre is down waits at the broker. Each message is
stored before it is acknowledged (manual acks, after `OperatorCentre.handle`): a crash in between means the
broker sends it again, and the store drops the duplicate. A message the store could not take is not acknowledged:
the broker sends it again after the next reconnect."""

from __future__ import annotations

from collections.abc import Callable
import threading

from fracturescope_uplink.mqtt_link import BrokerSettings, paho_client
import paho.mqtt.client as mqtt

from fracturescope_operator.centre import SUBSCRIPTIONS


class CentreLink:
    def __init__(self, settings: BrokerSettings, handle: Callable[[str, bytes], str],
                 on_error: Callable[[str], None] = print) -> None:
        self.settings, self._handle, self._on_error = settings, handle, on_error
        self.connected = threading.Event()
        self.subscribed = threading.Event()   # the broker confirmed the fleet's subscriptions (once)
        self.connects = 0
        self._client = paho_client(settings, clean_session=False, manual_ack=True)
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_message = self._message
        self._client.on_subscribe = lambda *_: self.subscribed.set()

    def start(self) -> None:
        self._client.connect_async(self.settings.host, self.settings.port, self.settings.keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def publish(self, topic: str, payload: bytes) -> None:
        """QoS 1 (a command); paho queues it while the link is down."""
        self._client.publish(topic, payload, qos=1)

    def _connected(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                   properties: object = None) -> None:
        if getattr(reason, 'is_failure', False):
            self._on_error(f'broker refused the centre: {reason}')
            return
        self.connects += 1
        client.subscribe([(topic, 1) for topic in SUBSCRIPTIONS])
        self.connected.set()

    def _disconnected(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                      properties: object = None) -> None:
        self.connected.clear()

    def _message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        try:
            self._handle(message.topic, message.payload)
        except Exception as error:   # the store failed (disk, database gone): one message must not stop the intake
            self._on_error(f'{message.topic}: not stored, not acknowledged: {error!r}')
            return
        client.ack(message.mid, message.qos)
