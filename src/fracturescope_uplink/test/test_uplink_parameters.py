"""The uplink's settings from its parameters: the broker password comes from its file when one is named."""

from types import SimpleNamespace

from fracturescope_uplink.nodes.uplink_parameters import broker_settings


def parameters(**overrides):
    values = dict(robot_id='robot-1', broker_host='operator.example', broker_port=8883, username='robot-1',
                  password_file='', password='from-parameter', tls_ca_file='ca.pem', tls_cert_file='',
                  tls_key_file='', keepalive_s=20, reconnect_min_s=1, reconnect_max_s=30)
    return SimpleNamespace(**{**values, **overrides})


def test_the_password_file_wins_over_the_parameter(tmp_path):
    secret = tmp_path / 'broker.password'
    secret.write_text('from-file\nsecond line ignored\n')
    settings = broker_settings(parameters(password_file=str(secret)))
    assert settings.password == 'from-file' and settings.client_id == 'fracturescope-uplink-robot-1'
    assert broker_settings(parameters()).password == 'from-parameter'
