"""The embedded broker (amqtt) in this process, with paho-mqtt clients over real sockets: QoS 1 both ways with the
configured credentials, refusals of wrong ones, TLS with a CA the client must trust, sessions kept for an absent
client, and the traffic counted as the node reports it."""

from dataclasses import replace
import socket
import ssl

from fracturescope_broker.broker_config import BrokerSettings
from fracturescope_broker.embedded import EmbeddedBroker
from fracturescope_broker.password_file import hash_password, write_password_file
from fracturescope_broker.traffic import Traffic
from fracturescope_testing.mqtt_broker import MqttEndpoint, free_port, write_test_certificates
from fracturescope_testing.mqtt_probe import MqttProbe
from fracturescope_testing.polling import eventually
from paho.mqtt.enums import MQTTProtocolVersion
import pytest

ALERTS, COMMANDS = 'fracturescope/robot-1/alerts', 'fracturescope/robot-1/commands'
NOT_AUTHORIZED = 135   # paho reports MQTT 3.1.1's CONNACK 5 as MQTT 5's reason code "Not authorized"


@pytest.fixture
def start_broker():
    started: list[EmbeddedBroker] = []
    refusals: list[str] = []

    def start(settings: BrokerSettings) -> EmbeddedBroker:
        broker = EmbeddedBroker(settings, refusals.append)
        started.append(broker)
        broker.start()
        broker.refusals = refusals
        return broker

    yield start
    for broker in started:
        broker.stop()


def endpoint(broker: EmbeddedBroker, user: str | None, password: str | None, ca_file=None) -> MqttEndpoint:
    return MqttEndpoint(broker.settings.host, broker.port, broker.settings.tls, ca_file, user, password)


def exchange(robot_at: MqttEndpoint, operator_at: MqttEndpoint) -> None:
    """The robot publishes an alert and the operator a command, both QoS 1; each receives the other's."""
    with MqttProbe(robot_at, 'robot-1') as robot, MqttProbe(operator_at, 'operator') as operator:
        assert robot.connect().value == 0 and operator.connect().value == 0
        operator.subscribe(ALERTS, qos=1)
        robot.subscribe(COMMANDS, qos=1)
        robot.publish(ALERTS, b'{"label": "crack"}', qos=1)
        operator.publish(COMMANDS, b'stop', qos=1)
        alert, command = operator.next_message(), robot.next_message()
    assert (alert.topic, alert.payload, alert.qos) == (ALERTS, b'{"label": "crack"}', 1)
    assert (command.topic, command.payload, command.qos) == (COMMANDS, b'stop', 1)


def refused(at: MqttEndpoint, client_id: str = 'intruder', **options) -> int:
    with MqttProbe(at, client_id, **options) as probe:
        return probe.connect().value


def test_qos1_with_a_user_and_the_password_file(tmp_path, start_broker):
    write_password_file(tmp_path / 'passwd', {'operator': hash_password('op-pw')})
    broker = start_broker(BrokerSettings('127.0.0.1', 0, password_file=str(tmp_path / 'passwd'),
                                         username='robot', password='robot-pw'))
    assert broker.port > 0 and broker.url == f'mqtt://127.0.0.1:{broker.port}'
    exchange(endpoint(broker, 'robot', 'robot-pw'), endpoint(broker, 'operator', 'op-pw'))
    # amqtt hands events to plugins without waiting for them: the counts may follow the packets by a moment
    assert eventually(lambda: broker.traffic() == Traffic(clients=0, accepted=2, refused=0, received=2, sent=2)), \
        broker.traffic()


def test_wrong_credentials_and_anonymous_clients_are_refused(start_broker):
    broker = start_broker(BrokerSettings('127.0.0.1', free_port(), username='robot', password='robot-pw'))
    right = endpoint(broker, 'robot', 'robot-pw')
    assert refused(replace(right, password='wrong')) == NOT_AUTHORIZED
    assert refused(replace(right, username='operator')) == NOT_AUTHORIZED
    assert refused(replace(right, username=None, password=None)) == NOT_AUTHORIZED
    assert eventually(lambda: broker.traffic().refused == 3 and len(broker.refusals) == 3), broker.refusals
    assert 'intruder' in broker.refusals[0] and 'not authorized' in broker.refusals[0]
    with MqttProbe(right, 'robot-1') as robot:
        assert robot.connect().value == 0
        assert eventually(lambda: broker.traffic().clients == 1), broker.traffic()


def test_allow_anonymous_still_checks_a_given_password(start_broker):
    broker = start_broker(BrokerSettings('127.0.0.1', 0, username='robot', password='robot-pw',
                                         allow_anonymous=True))
    anonymous = endpoint(broker, None, None)
    exchange(anonymous, anonymous)
    assert refused(endpoint(broker, 'robot', 'wrong')) == NOT_AUTHORIZED


def test_tls_with_passwords(tmp_path, start_broker):
    tls = write_test_certificates(tmp_path)
    broker = start_broker(BrokerSettings('127.0.0.1', 0, str(tls.cert_file), str(tls.key_file),
                                         username='robot', password='robot-pw'))
    assert broker.url.startswith('mqtts://')
    trusted = endpoint(broker, 'robot', 'robot-pw', tls.ca_file)
    exchange(trusted, trusted)
    with pytest.raises(ssl.SSLCertVerificationError):
        refused(trusted, trust_ca=False)
    assert refused(replace(trusted, password='wrong')) == NOT_AUTHORIZED


def test_an_absent_persistent_session_gets_its_queued_messages(start_broker):
    broker = start_broker(BrokerSettings('127.0.0.1', 0, username='robot', password='pw'))
    at = endpoint(broker, 'robot', 'pw')
    with MqttProbe(at, 'operator', clean_session=False) as operator:
        assert operator.connect().value == 0
        operator.subscribe(ALERTS, qos=1)
    with MqttProbe(at, 'robot-1') as robot:
        assert robot.connect().value == 0
        for i in range(3):
            robot.publish(ALERTS, f'alert {i}'.encode(), qos=1)
    with MqttProbe(at, 'operator', clean_session=False) as operator:
        assert operator.connect().value == 0 and operator.session_present
        assert [operator.next_message().payload for _ in range(3)] == [b'alert 0', b'alert 1', b'alert 2']


def test_an_mqtt5_client_is_told_the_protocol_version(start_broker):
    broker = start_broker(BrokerSettings('127.0.0.1', 0, allow_anonymous=True))
    assert refused(endpoint(broker, None, None), protocol=MQTTProtocolVersion.MQTTv5) != 0
    assert eventually(lambda: len(broker.refusals) == 1), broker.refusals
    assert 'protocol version' in broker.refusals[0]


def test_a_taken_port_is_an_os_error_and_leaves_nothing_running(start_broker):
    with socket.socket() as squatter:
        squatter.bind(('127.0.0.1', 0))
        squatter.listen()
        with pytest.raises(OSError, match='cannot serve'):
            start_broker(BrokerSettings('127.0.0.1', squatter.getsockname()[1], allow_anonymous=True))


def test_stop_closes_the_listener_and_the_connections(start_broker):
    broker = start_broker(BrokerSettings('127.0.0.1', 0, allow_anonymous=True))
    with MqttProbe(endpoint(broker, None, None), 'robot-1') as robot:
        assert robot.connect().value == 0
        broker.stop()
        assert robot.disconnects.get(timeout=10) is not None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', broker.port), timeout=2).close()
    broker.stop()    # twice: nothing happens
