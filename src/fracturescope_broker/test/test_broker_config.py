"""The node's parameters checked and turned into a configuration amqtt itself accepts."""

from amqtt.contexts import BrokerConfig, ListenerType
from fracturescope_broker.broker_config import (
    ANONYMOUS_PLUGIN,
    PASSWORD_FILE_PLUGIN,
    BrokerSettings,
    amqtt_config,
    is_loopback,
)
from fracturescope_broker.password_file import hash_password, verify_password, write_password_file
from fracturescope_testing.mqtt_broker import write_test_certificates
import pytest


def settings(**changes) -> BrokerSettings:
    return BrokerSettings(**{'host': '127.0.0.1', 'port': 1883, 'username': 'robot', 'password': 'pw', **changes})


@pytest.mark.parametrize('changes, reason', [
    ({'host': '::1'}, 'IPv6'),
    ({'host': ''}, 'IPv4'),
    ({'port': 70000}, 'not a TCP port'),
    ({'port': -1}, 'not a TCP port'),
    ({'tls_cert_file': '/etc/hostname'}, 'both tls_cert_file and tls_key_file'),
    ({'tls_cert_file': '/nonexistent.crt', 'tls_key_file': '/nonexistent.key'}, 'not a readable file'),
    ({'password_file': '/nonexistent'}, 'not a readable file'),
    ({'password': ''}, 'come together'),
    ({'username': ''}, 'come together'),
    ({'username': 'ro:bot'}, 'user name'),
    ({'username': '', 'password': ''}, 'no client could connect'),
])
def test_unusable_settings_are_refused_with_the_reason(changes, reason):
    with pytest.raises((ValueError, OSError), match=reason):
        settings(**changes).check()


def test_anonymous_only_is_a_valid_broker():
    settings(username='', password='', allow_anonymous=True).check()


def test_users_of_the_file_and_the_parameter_merge(tmp_path):
    path = tmp_path / 'passwd'
    operator = hash_password('op')
    write_password_file(path, {'operator': operator, 'robot': hash_password('old')})
    users = settings(password_file=str(path), password='new').users()
    assert users['operator'] == operator and verify_password('new', users['robot'])
    assert not verify_password('old', users['robot'])


def test_plain_config_is_what_amqtt_reads(tmp_path):
    config = amqtt_config(settings(), tmp_path / 'passwd')
    assert config == {'listeners': {'default': {'type': 'tcp', 'bind': '127.0.0.1:1883'}},
                      'plugins': {ANONYMOUS_PLUGIN: {'allow_anonymous': False},
                                  PASSWORD_FILE_PLUGIN: {'password_file': str(tmp_path / 'passwd')}}}
    parsed = BrokerConfig.from_dict(config)    # amqtt's own reading (dacite, strict)
    listener = parsed.listeners['default']
    assert (listener.type, listener.bind, listener.ssl) == (ListenerType.TCP, '127.0.0.1:1883', False)
    assert parsed.plugins[ANONYMOUS_PLUGIN] == {'allow_anonymous': False}


def test_tls_config_is_what_amqtt_reads(tmp_path):
    tls = write_test_certificates(tmp_path)
    config = amqtt_config(settings(tls_cert_file=str(tls.cert_file), tls_key_file=str(tls.key_file),
                                   allow_anonymous=True, port=8883), None, {'my.Plugin': {'x': 1}})
    listener = BrokerConfig.from_dict(config).listeners['default']
    assert (listener.ssl, listener.certfile, listener.keyfile, listener.bind) == \
        (True, tls.cert_file, tls.key_file, '127.0.0.1:8883')
    assert config['plugins'] == {ANONYMOUS_PLUGIN: {'allow_anonymous': True}, 'my.Plugin': {'x': 1}}


def test_loopback():
    assert is_loopback('127.0.0.1') and is_loopback('localhost') and is_loopback('127.0.1.1')
    assert not is_loopback('0.0.0.0') and not is_loopback('192.168.0.10') and not is_loopback('robot.local')
