"""Embedded MQTT broker node: amqtt's broker (embedded.py) for the operator link where no broker runs (the simulated
graph, a robot without one), its connections and traffic on /diagnostics."""

from __future__ import annotations

import logging

from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health, Level
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from rclpy.node import Node
from rclpy.parameter import Parameter

from fracturescope_broker.broker_config import BrokerSettings, is_loopback
from fracturescope_broker.diagnostics_contract import (
    ACCEPTED,
    CLIENTS,
    EMBEDDED_BROKER,
    RECEIVED,
    REFUSED,
    SENT,
    TLS,
    URL,
)
from fracturescope_broker.embedded import EmbeddedBroker

S, INT, D, B = Parameter.Type.STRING, Parameter.Type.INTEGER, Parameter.Type.DOUBLE, Parameter.Type.BOOL
PARAMETERS = (
    ParameterSpec('host', S, 'address the broker listens on: 127.0.0.1 this machine only, 0.0.0.0 every interface '
                             '(IPv4 address or host name)'),
    ParameterSpec('port', INT, 'TCP port of the broker (1883 MQTT, 8883 MQTT over TLS by convention); 0: any free '
                             'port, reported on /diagnostics as url (TCP port)'),
    ParameterSpec('tls_cert_file', S, 'PEM server certificate (chain) for MQTT over TLS; empty with tls_key_file '
                                      'empty: plain TCP (path)'),
    ParameterSpec('tls_key_file', S, 'PEM private key of tls_cert_file (path)'),
    ParameterSpec('password_file', S, 'users and their Argon2 hashes, one "user:hash" a line, made with '
                                      'fracturescope-broker-passwd; empty: none (path)'),
    ParameterSpec('username', S, 'one more user, given here with its password (empty: none) (name)'),
    ParameterSpec('password', S, 'password of username; readable with ros2 param get: use password_file on a '
                                 'robot (text)'),
    ParameterSpec('allow_anonymous', B, 'admit clients that give no user name; false: only users of password_file '
                                        'and username (bool)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


STOP_TIMEOUT_S = 1.5   # amqtt's shutdown, then its loop's end, each at most this long [s]

class EmbeddedBrokerNode(Node):
    def __init__(self) -> None:
        super().__init__(EMBEDDED_BROKER.node)
        self._broker: EmbeddedBroker | None = None   # rclpy destroys a node whose construction failed, too
        p = declare_parameters(self, PARAMETERS)
        settings = BrokerSettings(p.host, p.port, p.tls_cert_file, p.tls_key_file, p.password_file, p.username,
                                  p.password, p.allow_anonymous)
        self._health = Health(EMBEDDED_BROKER.counters, recent_s=max(10.0, 3 * p.diagnostics_period_s))
        # _refused and _amqtt_log run on the broker's loop thread
        self._broker = EmbeddedBroker(settings, self._refused, self._amqtt_log)
        self._broker.start()
        self.get_logger().info(f'MQTT broker on {self._broker.url}')
        if not settings.tls and not is_loopback(settings.host):
            self.get_logger().warning(f'{settings.host}: reachable from other machines without TLS: passwords and '
                                      'messages cross the network in clear (set tls_cert_file and tls_key_file)')
        self._diagnostics = DiagnosticsReporter(self, EMBEDDED_BROKER, self._health, self._values, self._state,
                                                p.diagnostics_period_s)

    def _refused(self, description: str) -> None:
        self._health.problem(REFUSED, f'connection refused: {description}', Level.WARN)
        self.get_logger().warning(f'connection refused: {description}', throttle_duration_sec=5.0)

    def _amqtt_log(self, level: int, text: str) -> None:
        if level >= logging.ERROR:
            self.get_logger().error(text)
        else:
            self.get_logger().warning(text)

    def _values(self) -> dict[Key, object]:
        traffic = self._broker.traffic()
        return {URL: self._broker.url, TLS: self._broker.settings.tls, CLIENTS: traffic.clients,
                ACCEPTED: traffic.accepted, RECEIVED: traffic.received, SENT: traffic.sent}

    def _state(self) -> str:
        return f'{self._broker.traffic().clients} clients on {self._broker.url}'

    def destroy_node(self) -> None:
        if self._broker is not None:   # within the launch runner's 5 s grace, even when amqtt's shutdown hangs
            self._broker.stop(timeout_s=STOP_TIMEOUT_S)
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    run_node(EmbeddedBrokerNode, 'embedded_broker', args)


if __name__ == '__main__':
    main()
