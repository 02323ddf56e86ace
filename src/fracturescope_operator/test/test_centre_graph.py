"""Integration: a robot's ledger and uplink nodes (their launch files, separate processes over DDS) send alerts and
signed checkpoints with consistency proofs through a real mosquitto to the centre (its MQTT link, a SQLite store,
the witness). The robot's ledger file is then rewritten as an attacker with write access would, checkpoints and
witness file included, so that the robot's own ledger signs over the forged history: the centre flags it at the
robot's next checkpoint."""

from pathlib import Path
import re
import shutil
import time

from fracturescope_common.keys import load_public_key
from fracturescope_common.qos import RECORDED_RESULTS
from fracturescope_ledger.checkpoint import CheckpointSigner
from fracturescope_ledger.tamper_drill import resign, rewrite_chain_from
from fracturescope_operator.centre import OperatorCentre
from fracturescope_operator.centre_link import CentreLink
from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_operator.ledger_witness import LedgerWitness
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launch_composition import including
from fracturescope_testing.launched_graph import launched
from fracturescope_uplink.mqtt_link import BrokerSettings
import pytest

from fracturescope_msgs.msg import DefectDetection

REPO_ROOT = Path(__file__).resolve().parents[3]
ROBOT = 'robot-w'
pytestmark = pytest.mark.integration


def patient_config(tmp_path: Path) -> Path:
    """The robot's parameter files, the uplink's ledger wait raised from 2 to 20 s: on a loaded 2-core test machine the
    ledger's first blocks have come later than 2 s, and the alert then (rightly) went without its index."""
    config = tmp_path / 'config'
    shutil.copytree(REPO_ROOT / 'config', config, dirs_exist_ok=True)
    uplink = config / 'uplink.yaml'
    text, replaced = re.subn(r'(\n\s*ledger_wait_s:\s*)[0-9.]+', r'\g<1>20.0', uplink.read_text())
    assert replaced == 1
    uplink.write_text(text)
    return config


def robot_launch_file(tmp_path: Path, broker_port: int) -> Path:
    launch_dir, state, config = REPO_ROOT / 'launch', tmp_path / 'robot', patient_config(tmp_path)
    return including(tmp_path / 'robot.launch.xml', [
        (launch_dir / 'ledger.launch.xml', {'ledger_dir': state, 'config_dir': config}),
        (launch_dir / 'uplink.launch.xml', {'config_dir': config, 'robot_id': ROBOT, 'broker_port': broker_port,
                                            'broker_username': 'robot',
                                            'broker_password': 'robot-pw', 'state_dir': state,
                                            'operator_public_key': state / 'operator_key.pub',
                                            'checkpoint_period_s': 1.0})])


def detection(i: int) -> DefectDetection:
    msg = DefectDetection(label='crack', confidence=0.9, class_names=['crack', 'corrosion', 'leak', 'none'],
                          scores=[0.9, 0.05, 0.03, 0.02], anomaly_score=0.2, anomaly_threshold=0.5,
                          location=f'pier-{i}', model_id='fusion@test', image_sha256=[f'{i:064x}', 'f' * 64])
    msg.header.stamp.sec = int(time.time())
    msg.header.stamp.nanosec = i
    return msg


def run_robot(tmp_path, graph_env, broker, centre, first, count, done):
    """Start the robot's graph, publish `count` detections numbered from `first`, wait for `done()`."""
    with launched(robot_launch_file(tmp_path, broker.port), env=graph_env, log_dir=tmp_path / f'logs{first}'), \
            GraphProbe(graph_env, 'robot_probe') as probe:
        defects = probe.node.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS)
        assert probe.spin_until(lambda: defects.get_subscription_count() >= 2, 30.0)   # ledger and uplink
        for i in range(first, first + count):
            defects.publish(detection(i))
            probe.spin_until(lambda: False, 0.3)
        deadline = time.monotonic() + 60.0
        while not done() and time.monotonic() < deadline:
            probe.spin_until(lambda: False, 0.2)
        return done()


def test_the_centre_witnesses_a_robots_ledger_and_flags_a_rewrite(tmp_path, graph_env, mosquitto_factory):
    broker = mosquitto_factory(users={'robot': 'robot-pw', 'centre': 'centre-pw'})
    ledger_dir = tmp_path / 'robot'
    ledger_dir.mkdir()
    ledger_key = ledger_dir / 'ledger_key.pem'
    CheckpointSigner.from_key_file(ledger_key)            # the robot's key, registered at the centre beforehand
    store = open_fleet_store(tmp_path / 'centre.db')
    centre = OperatorCentre(store, LedgerWitness({ROBOT: load_public_key(ledger_key)}))
    errors = []
    link = CentreLink(BrokerSettings('127.0.0.1', broker.port, 'centre-test', 'centre', 'centre-pw'), centre.handle,
                      errors.append)
    link.start()
    try:
        assert link.connected.wait(10.0)

        def witnessed(at_least):
            robot = store.robot(ROBOT)
            return robot is not None and robot.witnessed_size >= at_least and centre.counts['witness_ok'] >= 2 \
                and len(store.alerts(kind='defect', limit=100)) == at_least

        assert run_robot(tmp_path, graph_env, broker, centre, 0, 12, lambda: witnessed(12)), \
            (centre.counts, store.robot(ROBOT))
        robot = store.robot(ROBOT)
        assert robot.witness_state == 'ok' and 'proof checked' in robot.witness_detail, robot.witness_detail
        defects = [s.alert for s in store.alerts(kind='defect', limit=1000)]
        assert len(defects) == 12 and all(a['ledger']['index'] is not None for a in defects)
        assert centre.counts['duplicate'] == 0 and not errors

        # the attacker owns the robot: block 3 relabelled, hashes and Merkle nodes recomputed, the checkpoints and the
        # witness file re-signed with the ledger's own key -- the robot's ledger finds nothing wrong and goes on
        rewrite_chain_from(ledger_dir / 'ledger.db', 3, merkle_too=True)
        resign(ledger_dir / 'ledger.db', CheckpointSigner.from_key_file(ledger_key, create=False),
               ledger_dir / 'ledger_checkpoints.jsonl', time.time_ns())
        assert run_robot(tmp_path, graph_env, broker, centre, 100, 3,
                         lambda: store.robot(ROBOT).witness_state == 'rewritten'), \
            f'{store.robot(ROBOT).witness_state}: {store.robot(ROBOT).witness_detail}'
        assert 'another root' in store.robot(ROBOT).witness_detail
    finally:
        link.stop()
        store.close()
