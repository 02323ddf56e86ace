"""In a real headless browser (Debian's chromium and chromedriver, driven by selenium): a robot's uplink node
(launch/uplink.launch.xml, DDS) sends an alert through a real mosquitto to the centre; an operator logs in to the
dashboard, sees the alert, the robot's sheet-edge alignment plotted and its thermal state (from the uplink's
telemetry of roll commands and thermal assessments), clicks "Inspect again" for that robot, and the robot's
operator/command carries the command signed with the centre's operator key (the uplink verified it). A screenshot is
kept with the test's files."""

from pathlib import Path
import time

from fracturescope_common.keys import load_public_key
from fracturescope_common.operator_commands import INSPECT_AGAIN, CommandSigner, CommandVerifier, fields_of
from fracturescope_common.qos import RECORDED_RESULTS, RELIABLE_EVENTS
from fracturescope_common.used_nonces import UsedNonceFile
from fracturescope_operator.centre import OperatorCentre
from fracturescope_operator.centre_link import CentreLink
from fracturescope_operator.dashboard import DashboardServer, make_app
from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_operator.ledger_witness import LedgerWitness
from fracturescope_operator.operator_accounts import Sessions, hash_password
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
from fracturescope_uplink.mqtt_link import BrokerSettings
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from fracturescope_msgs.msg import DefectDetection, OperatorCommand, RollCommand, ThermalAssessment

REPO_ROOT = Path(__file__).resolve().parents[3]
ROBOT = 'robot-b'
PASSWORD = 'correct horse battery'
pytestmark = pytest.mark.integration


def headless_chromium(downloads: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
                 '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 f'--user-data-dir={downloads / "chromium-profile"}', '--window-size=1400,1000'):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)


def detection() -> DefectDetection:
    msg = DefectDetection(label='crack', confidence=0.93, class_names=['crack', 'corrosion', 'leak', 'none'],
                          scores=[0.93, 0.03, 0.02, 0.02], anomaly_score=0.1, anomaly_threshold=0.5,
                          location='bridge-7/pier-3', model_id='fusion@test', image_sha256=['a' * 64, 'b' * 64])
    msg.header.stamp.sec = int(time.time())
    return msg


def roll_command(error_left_mm: float) -> RollCommand:
    msg = RollCommand(mode=RollCommand.MODE_AUTO, controller='msnf', f_left_hz=25.5, f_right_hz=24.5,
                      error_left_mm=error_left_mm, error_right_mm=-1.25, written_to_plc=True)
    msg.header.stamp.sec = int(time.time())
    return msg


def thermal_assessment() -> ThermalAssessment:
    msg = ThermalAssessment(label='hot', class_names=['cold', 'warm', 'hot', 'anomaly'],
                            probabilities=[0.0, 0.05, 0.9, 0.05], anomaly_probability=0.05, alert_threshold=0.7,
                            max_temperature_c=84.5, installation_id='boiler-room-2', image_topic='thermal/image',
                            image_sha256='c' * 64, model_id='installation@test')
    msg.header.stamp.sec = int(time.time())
    return msg


def test_an_operator_sees_a_robots_alert_and_a_click_reaches_the_robot_signed(tmp_path, graph_env,
                                                                              mosquitto_factory):
    broker = mosquitto_factory(users={'robot': 'robot-pw', 'centre': 'centre-pw'})
    signer = CommandSigner.from_key_file(tmp_path / 'centre' / 'operator.pem', 'operator', create=True)
    store = open_fleet_store(tmp_path / 'centre' / 'centre.db')
    link = None
    centre = OperatorCentre(store, LedgerWitness({ROBOT: bytes(32)}), signer,
                            lambda topic, payload: link.publish(topic, payload))
    link = CentreLink(BrokerSettings('127.0.0.1', broker.port, 'centre-browser-test', 'centre', 'centre-pw'),
                      centre.handle)
    server = DashboardServer(make_app(centre, Sessions({'alice': hash_password(PASSWORD)}), on_command=print),
                             '127.0.0.1', 0)
    args = {'robot_id': ROBOT, 'broker_port': str(broker.port), 'broker_username': 'robot',
            'broker_password': 'robot-pw', 'state_dir': str(tmp_path / 'robot'),
            'operator_public_key': str(tmp_path / 'centre' / 'operator.pem.pub')}
    link.start()
    server.start()
    browser = None
    try:
        assert link.connected.wait(10.0)
        with launched(REPO_ROOT / 'launch' / 'uplink.launch.xml', args, env=graph_env, log_dir=tmp_path / 'logs'), \
                GraphProbe(graph_env, 'browser_probe') as probe:
            commands = probe.collect(OperatorCommand, 'operator/command', RELIABLE_EVENTS)
            defects = probe.node.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS)
            assert probe.spin_until(lambda: defects.get_subscription_count() > 0, 30.0)
            defects.publish(detection())
            assert probe.spin_until(lambda: store.alert_count() >= 1, 30.0), 'no alert reached the centre'
            rolls = probe.node.create_publisher(RollCommand, 'roll_command', RELIABLE_EVENTS)
            thermal = probe.node.create_publisher(ThermalAssessment, 'thermal_monitor/assessment', RECORDED_RESULTS)
            assert probe.publish_until([(rolls, roll_command(2.5)), (thermal, thermal_assessment())],
                                       lambda: len(store.telemetry(ROBOT)) >= 3, 30.0, retry_s=0.2), \
                'no telemetry reached the centre'

            browser = headless_chromium(tmp_path)
            wait = WebDriverWait(browser, 20)
            browser.get(server.url)                                   # not logged in: the login page
            wait.until(expected_conditions.presence_of_element_located((By.ID, 'user'))).send_keys('alice')
            browser.find_element(By.ID, 'password').send_keys(PASSWORD)
            browser.find_element(By.ID, 'log-in').click()
            row = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, 'tr.alert-defect')))
            assert ROBOT in row.text and 'crack' in row.text and 'bridge-7/pier-3' in row.text
            thermal_row = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR,
                                                                                     'tr.thermal-state')))
            assert 'boiler-room-2' in thermal_row.text and 'hot' in thermal_row.text and '84.5' in thermal_row.text
            wait.until(lambda b: int(b.find_element(By.ID, 'alignment').get_attribute('data-points')) >= 4)
            assert 'left 2.5 mm, right -1.3 mm' in browser.find_element(By.ID, 'alignment-note').text
            legend = browser.find_element(By.CSS_SELECTOR, '.left-edge')
            assert legend.value_of_css_property('color') == 'rgba(31, 95, 191, 1)'   # the style sheet, CSP-allowed
            refused = [e['message'] for e in browser.get_log('browser') if 'Content Security Policy' in e['message']]
            assert refused == [], refused
            button = wait.until(expected_conditions.element_to_be_clickable(
                (By.CSS_SELECTOR, f'tr[data-robot-id="{ROBOT}"] button[data-command="inspect_again"]')))
            button.click()
            assert probe.spin_until(lambda: len(commands) >= 1, 20.0), 'the click did not reach operator/command'
            wait.until(lambda b: 'forwarded' in b.find_element(By.ID, 'commands').text)
            browser.save_screenshot(str(tmp_path / 'dashboard.png'))
        (command,) = commands
        fields = fields_of(command)
        assert (command.command, command.target, command.issuer) == (INSPECT_AGAIN, 'perception', 'operator')
        verifier = CommandVerifier({'operator': load_public_key(tmp_path / 'centre' / 'operator.pem.pub')}, 60.0,
                                   2.0, 10, used_nonces=UsedNonceFile(tmp_path / 'check_nonces.jsonl'))
        assert verifier.check(fields).accepted
        (logged,) = store.commands()
        assert (logged.operator, logged.command, logged.ack['reason']) == ('alice', 'inspect_again', 'forwarded')
        assert (tmp_path / 'dashboard.png').stat().st_size > 10_000
    finally:
        if browser is not None:
            browser.quit()
        server.stop()
        link.stop()
        store.close()
