"""The mosquitto fixture, against a real mosquitto and paho-mqtt clients: every mode carries QoS 1 both ways, the
broker refuses wrong credentials and clients that do not trust its CA, and a persistent session's queued message
survives an outage (stop, start on the same port) but not a crash (kill)."""

from dataclasses import replace
import socket
import ssl

from fracturescope_testing.mqtt_broker import MosquittoBroker, MosquittoError
from fracturescope_testing.mqtt_probe import MqttProbe
from paho.mqtt.enums import MQTTProtocolVersion
import pytest

V311, V5 = MQTTProtocolVersion.MQTTv311, MQTTProtocolVersion.MQTTv5
MODES = {'plain': {}, 'password': {'users': {'robot': 'r0b0t-pw', 'operator': 'op:pw with spaces'}},
         'tls': {'tls': True}, 'tls+password': {'tls': True, 'users': {'robot': 'r0b0t-pw', 'operator': 'op-pw'}}}


def refused(code) -> bool:
    """A CONNACK refusal for bad credentials: 3.1.1 codes 4 / 5, MQTT 5 codes 134 / 135."""
    return code.is_failure and code.value in (4, 5, 134, 135)


@pytest.mark.parametrize('protocol', [V311, V5], ids=['mqtt311', 'mqtt5'])
@pytest.mark.parametrize('mode', MODES)
def test_qos1_both_ways_in_every_mode(mosquitto_factory, mode, protocol):
    broker = mosquitto_factory(**MODES[mode])
    assert broker.url == f'{"mqtts" if broker.tls else "mqtt"}://127.0.0.1:{broker.port}'
    users = list(broker.users) or [None, None]
    with MqttProbe(broker.endpoint(users[0]), 'robot-1', protocol=protocol) as robot, \
            MqttProbe(broker.endpoint(users[-1]), 'operator-1', protocol=protocol) as operator:
        assert robot.connect().value == 0 and operator.connect().value == 0
        operator.subscribe('fracturescope/robot-1/alerts', qos=1)
        robot.subscribe('fracturescope/robot-1/commands', qos=1)
        robot.publish('fracturescope/robot-1/alerts', b'{"label": "crack"}', qos=1)
        operator.publish('fracturescope/robot-1/commands', b'stop', qos=1)
        alert, command = operator.next_message(), robot.next_message()
    assert (alert.topic, alert.payload, alert.qos) == ('fracturescope/robot-1/alerts', b'{"label": "crack"}', 1)
    assert (command.topic, command.payload, command.qos) == ('fracturescope/robot-1/commands', b'stop', 1)


@pytest.mark.parametrize('tls', [False, True], ids=['plain', 'tls'])
def test_wrong_password_unknown_user_and_anonymous_are_refused(mosquitto_factory, tls):
    broker = mosquitto_factory(tls=tls, users={'robot': 'right'})
    right = broker.endpoint('robot')
    for name, endpoint in {'wrong password': replace(right, password='wrong'),
                           'unknown user': replace(right, username='intruder'),
                           'anonymous': replace(right, username=None, password=None)}.items():
        probe = MqttProbe(endpoint, f'client-{name.replace(" ", "-")}')
        try:
            assert refused(probe.connect()), name
        finally:
            probe.disconnect()
    with MqttProbe(right, 'robot') as probe:
        assert probe.connect().value == 0
    assert 'not authorised' in broker.log_text()


def test_a_client_without_the_ca_is_refused_over_tls(mosquitto_factory):
    broker = mosquitto_factory(tls=True)
    probe = MqttProbe(broker.endpoint(), 'no-ca', trust_ca=False)
    with pytest.raises(ssl.SSLCertVerificationError):
        probe.connect()
    probe.disconnect()
    with socket.create_connection((broker.host, broker.port)) as raw:   # MQTT in clear on a TLS port: no CONNACK
        raw.settimeout(5)
        raw.sendall(bytes([0x10, 12, 0, 4]) + b'MQTT' + bytes([4, 2, 0, 30, 0, 0]))
        try:
            answer = raw.recv(4)
        except ConnectionResetError:
            answer = b''
        assert not answer.startswith(b'\x20'), answer    # 0x20: CONNACK
    with broker.client_ssl_context().wrap_socket(socket.create_connection((broker.host, broker.port)),
                                                 server_hostname='127.0.0.1') as trusted:
        assert trusted.version() in ('TLSv1.2', 'TLSv1.3')


def queue_for_absent_subscriber(broker: MosquittoBroker, protocol, payload: bytes) -> None:
    """The operator subscribes with a persistent session and goes away; the robot publishes meanwhile."""
    with MqttProbe(broker.endpoint('operator'), 'operator', clean_session=False, protocol=protocol) as operator:
        assert operator.connect().value == 0
        operator.subscribe('fracturescope/robot-1/alerts', qos=1)
    with MqttProbe(broker.endpoint('robot'), 'robot-1', protocol=protocol) as robot:
        assert robot.connect().value == 0
        robot.publish('fracturescope/robot-1/alerts', payload, qos=1)


@pytest.mark.parametrize('protocol', [V311, V5], ids=['mqtt311', 'mqtt5'])
def test_a_queued_qos1_message_survives_a_broker_restart(mosquitto_factory, protocol):
    broker = mosquitto_factory(tls=True, users={'robot': 'r', 'operator': 'o'})
    queue_for_absent_subscriber(broker, protocol, b'alert 1')
    port, pid = broker.port, broker.pid
    assert broker.stop() == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((broker.host, port), timeout=2).close()
    broker.start()
    assert broker.port == port and broker.pid != pid
    with MqttProbe(broker.endpoint('operator'), 'operator', clean_session=False, protocol=protocol) as operator:
        assert operator.connect().value == 0
        assert operator.session_present
        message = operator.next_message()
    assert (message.topic, message.payload, message.qos) == ('fracturescope/robot-1/alerts', b'alert 1', 1)


def test_a_crash_loses_what_was_not_saved(mosquitto_factory):
    """kill() is not stop(): mosquitto saves its sessions on a clean exit only (and every autosave_interval)."""
    broker = mosquitto_factory(users={'robot': 'r', 'operator': 'o'})
    queue_for_absent_subscriber(broker, V311, b'alert 1')
    broker.kill()
    broker.start()
    with MqttProbe(broker.endpoint('operator'), 'operator', clean_session=False) as operator:
        assert operator.connect().value == 0
        assert operator.session_present is False
        assert operator.no_message(within_s=1.0)


def test_a_connected_client_sees_the_outage(mosquitto):
    with MqttProbe(mosquitto.endpoint(), 'robot-1') as robot:
        assert robot.connect().value == 0
        mosquitto.stop()
        assert robot.disconnects.get(timeout=10).is_failure
    mosquitto.start()
    with MqttProbe(mosquitto.endpoint(), 'robot-1') as robot:
        assert robot.connect().value == 0


def test_start_fails_loudly_when_the_port_is_taken(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(('127.0.0.1', 0))
        squatter.listen()
        broker = MosquittoBroker(tmp_path, port=squatter.getsockname()[1])
        with pytest.raises(MosquittoError, match='Address already in use'):
            broker.start(timeout_s=5)
    assert not broker.running


def test_context_manager_and_endpoint_checks(tmp_path):
    with MosquittoBroker(tmp_path, users={'robot': 'pw'}) as broker:
        assert broker.running and broker.ca_file is None
        assert broker.endpoint() == broker.endpoint('robot')
        with pytest.raises(KeyError):
            broker.endpoint('nobody')
        with pytest.raises(MosquittoError, match='running already'):
            broker.start()
    assert not broker.running and broker.stop() is None
