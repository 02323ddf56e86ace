"""fracturescope-operator-centre as an operator runs it: a process with its configuration file, a real mosquitto,
a robot's alert published there; Ctrl-C ends it with a report."""

import signal
import subprocess
import sys
import time
import urllib.request

from fracturescope_ledger.checkpoint import CheckpointSigner
from fracturescope_operator.centre_config import CentreConfigError, load_centre_config
from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_testing.mqtt_probe import MqttProbe
from fracturescope_testing.polling import eventually
from fracturescope_uplink.alert_schema import alerts_topic, encode, new_alert
import pytest
import yaml


def write_config(tmp_path, port, **changes):
    key = tmp_path / 'robot-1.ledger.pem'
    CheckpointSigner.from_key_file(key)
    (tmp_path / 'broker.password').write_text('centre-pw\n')
    config = {'broker': {'host': '127.0.0.1', 'port': port, 'username': 'centre', 'password_file': 'broker.password'},
              'store': str(tmp_path / 'centre.db'), 'operator_key': 'operator.pem',
              'robots': {'robot-1': {'ledger_public_key': 'robot-1.ledger.pem.pub'}},
              'dashboard': {'port': 0, 'accounts_file': 'accounts.json'}, **changes}
    path = tmp_path / 'centre.yaml'
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_centre_stores_what_robots_send_and_reports_until_ctrl_c(tmp_path, mosquitto_factory):
    broker = mosquitto_factory(users={'centre': 'centre-pw', 'robot-1': 'robot-pw'})
    config = write_config(tmp_path, broker.port)
    added = subprocess.run([sys.executable, '-m', 'fracturescope_operator.cli', '--config', str(config), 'add-user',
                            'alice'], input='correct horse battery\n', capture_output=True, text=True)
    assert added.returncode == 0 and 'alice can log in' in added.stdout, added.stderr
    centre = subprocess.Popen([sys.executable, '-m', 'fracturescope_operator.cli', '--config', str(config),
                               '--report-every', '0.5'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        head = centre.stdout.readline() + centre.stdout.readline()
        dashboard = head.splitlines()[1]                                # the second line: its address
        assert dashboard.startswith('dashboard: http://127.0.0.1:'), dashboard
        with urllib.request.urlopen(dashboard.split()[1] + 'login', timeout=10) as page:
            assert page.status == 200 and b'Operator centre' in page.read()
        robot = MqttProbe(broker.endpoint('robot-1'), 'robot-1')
        assert robot.connect().value == 0
        alert = new_alert('robot-1', 'defect', 1, 'crack', 0.9, {'location': 'pier-3'})
        time.sleep(1.0)    # the centre subscribed (a QoS 1 message to nobody is not kept)
        robot.publish(alerts_topic('robot-1', 'defect'), encode(alert))
        robot.publish(alerts_topic('robot-1', 'defect'), encode(alert))   # at least once: a duplicate
        robot.disconnect()
        store = open_fleet_store(tmp_path / 'centre.db')
        assert eventually(lambda: store.alert_count() == 1, 10.0)
        store.close()
        time.sleep(1.0)
    finally:
        centre.send_signal(signal.SIGINT)
        output, _ = centre.communicate(timeout=20)
    assert centre.returncode == 0, output
    assert '1 operator accounts' in head and 'broker connected; 1 alerts stored' in output
    assert '1 duplicates dropped' in output.splitlines()[-1]
    assert (tmp_path / 'operator.pem').exists() and (tmp_path / 'operator.pem.pub').exists()


def test_a_configuration_that_cannot_run_a_centre_says_why(tmp_path):
    with pytest.raises(CentreConfigError, match='robots.robot-1.ledger_public_key'):
        load_centre_config(write_config(tmp_path, 1883, robots={'robot-1': {'ledger_public_key': 'absent.pub'}}))
    with pytest.raises(CentreConfigError, match='store is missing'):
        load_centre_config(write_config(tmp_path, 1883, store=''))
    result = subprocess.run([sys.executable, '-m', 'fracturescope_operator.cli', '--config',
                             str(write_config(tmp_path, 1883, store=''))], capture_output=True, text=True)
    assert result.returncode == 2 and 'store is missing' in result.stderr
