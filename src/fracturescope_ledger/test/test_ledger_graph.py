"""Integration: the ledger node and the simulated detection source as separate processes over DDS,
started from launch/sim.launch.xml (the file `ros2 launch` runs on a robot)."""

import hashlib
import math
from pathlib import Path
import sqlite3
import subprocess
import sys

from fracturescope_common.qos import RECORDED_RESULTS, RELIABLE_EVENTS
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_ledger.block import LedgerRecord
from fracturescope_ledger.checkpoint import Checkpoint, CheckpointSigner
from fracturescope_ledger.diagnostics_contract import APPEND_FAILED, LEDGER, REJECTED, VERIFY_FAILED
from fracturescope_ledger.merkle import leaf_hash, verify_inclusion
from fracturescope_ledger.store import LedgerStore
from fracturescope_ledger.verify import verify_ledger
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest

from fracturescope_msgs.msg import DefectDetection, LedgerBlock
from fracturescope_msgs.srv import GetInclusionProof, VerifyLedger

REPO_ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.integration
CLASSES = ['crack', 'corrosion', 'leak', 'none']


class LedgerProbe(GraphProbe):
    """The test's own node in the graph's domain: publishes detections, watches blocks and diagnostics."""

    def __init__(self, env):
        super().__init__(env, 'ledger_probe')
        self.publisher = self.node.create_publisher(DefectDetection, 'defects', RECORDED_RESULTS)
        self.blocks = self.collect(LedgerBlock, 'ledger/blocks', RELIABLE_EVENTS)
        self.observed = watch_graph(self)

    def blocks_publishers(self):
        return sum(s.get_publisher_count() for s in self.node.subscriptions if s.topic_name == '/ledger/blocks')


def detection(label, confidence, hashes, location='test-bench/slab-1'):
    msg = DefectDetection(label=label, confidence=confidence, class_names=CLASSES,
                          scores=[0.7, 0.1, 0.1, 0.1], anomaly_score=0.05, anomaly_threshold=0.7,
                          image_sha256=hashes, location=location, model_id='probe@1')
    msg.header.stamp.sec = 1_800_000_000
    return msg




@pytest.fixture
def graph_env(monkeypatch):
    env = isolated_ros_env()
    monkeypatch.setenv('ROS_AUTOMATIC_DISCOVERY_RANGE', env['ROS_AUTOMATIC_DISCOVERY_RANGE'])
    return env


def test_detections_become_verified_blocks(tmp_path, graph_env):
    ledger_dir = tmp_path / 'ledger'
    with launched(REPO_ROOT / 'launch' / 'sim.launch.xml',
                  {'ledger_dir': str(ledger_dir), 'edge_eye': 'false', 'thermal_monitor': 'false'},
                  env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = LedgerProbe(graph_env)
        try:
            assert probe.spin_until(lambda: probe.publisher.get_subscription_count() > 0, 20.0), \
                'ledger node never subscribed to defects'
            # Blocks are published once (volatile), and DDS matches the two ends of a topic separately: seeing the
            # ledger's writer does not mean it sees our reader yet. A block of a simulated detection arriving does.
            assert probe.spin_until(lambda: probe.blocks_publishers() > 0, 20.0), 'ledger/blocks never matched'
            assert probe.spin_until(lambda: len(probe.blocks) > 0, 30.0), 'no block of a simulated detection arrived'
            ours = [hashlib.sha256(f'probe-frame-{i}'.encode()).hexdigest() for i in range(3)]
            for i, digest in enumerate(ours):
                probe.publisher.publish(detection(CLASSES[i], 0.7, [digest, digest]))
            bad = [detection('crack', math.nan, [ours[0]]),           # NaN confidence
                   detection('crack', 0.7, []),                        # no image hash
                   detection('graffito', 0.7, [ours[0]])]              # label not in config
            for msg in bad:
                probe.publisher.publish(msg)

            def our_blocks():
                return [b for b in probe.blocks if b.model_id == 'probe@1']
            assert probe.spin_until(lambda: len(our_blocks()) == 3, 20.0), 'our detections never became blocks'
            assert [b.image_sha256 for b in our_blocks()] == [[d, d] for d in ours]
            assert [b.label for b in our_blocks()] == CLASSES[:3]
            for block in our_blocks():
                assert hashlib.sha256(bytes(block.canonical)).hexdigest() == block.hash
            assert probe.spin_until(lambda: len(probe.blocks) >= 20, 20.0), 'simulated detections not recorded'

            # All three malformed detections rejected, and the node keeps running and appending.
            assert probe.spin_until(lambda: probe.observed.at_least(LEDGER, REJECTED, 3), 10.0)
            count = len(probe.blocks)
            assert probe.spin_until(lambda: len(probe.blocks) > count + 5, 10.0)
            assert all(graph.alive().values()), graph.alive()

            response = probe.call(VerifyLedger, 'ledger/verify', VerifyLedger.Request(whole_ledger=True))
            assert response is not None, 'ledger/verify did not answer'
            assert response.ok, response.reason
            assert response.first_bad_index == -1
            assert response.blocks_checked >= len(probe.blocks)

            target = our_blocks()[1]
            proof = probe.call(GetInclusionProof, 'ledger/inclusion_proof',
                               GetInclusionProof.Request(index=target.index))
            assert proof is not None and proof.success, proof
            signed = proof.checkpoint
            checkpoint = Checkpoint(signed.tree_size, bytes.fromhex(signed.root_hash),
                                    signed.timestamp.sec * 10**9 + signed.timestamp.nanosec,
                                    bytes.fromhex(signed.public_key), bytes(signed.signature))
            assert checkpoint.verify(CheckpointSigner.from_key_file(ledger_dir / 'ledger_key.pem').public_key)
            assert checkpoint.root_hash.hex() == proof.root_hash
            assert verify_inclusion(leaf_hash(bytes.fromhex(target.hash)), target.index, proof.tree_size,
                                    [bytes.fromhex(h) for h in proof.audit_path], checkpoint.root_hash)
        finally:
            probe.close()
        codes = graph.stop()
    assert graph.exit_status() == 0, codes
    report = verify_ledger(ledger_dir / 'ledger.db')
    assert report.ok, report.reason
    assert report.blocks_checked >= count + 5


def test_tampered_ledger_is_reported_and_never_appended_to(tmp_path, graph_env):
    ledger_dir = tmp_path / 'ledger'
    ledger_dir.mkdir()
    signer = CheckpointSigner.from_key_file(ledger_dir / 'ledger_key.pem')
    with LedgerStore(ledger_dir / 'ledger.db', signer) as store:
        for i in range(10):
            store.append_sync(LedgerRecord('defect', i, 'slab', (bytes(32),), 'crack', 0.9, 'm@1'))
    # An edit made while the node was down: block 4 now says "none" (same length, so the row stays readable).
    with sqlite3.connect(ledger_dir / 'ledger.db') as db:
        (body,) = db.execute('SELECT body FROM blocks WHERE idx = 4').fetchone()
        db.execute('UPDATE blocks SET body = ? WHERE idx = 4', (bytes(body).replace(b'crack', b'none!'),))
        checkpoints = db.execute('SELECT * FROM checkpoints').fetchall()

    with launched(REPO_ROOT / 'launch' / 'ledger.launch.xml', {'ledger_dir': str(ledger_dir)},
                  env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = LedgerProbe(graph_env)
        try:
            assert probe.spin_until(lambda: probe.observed.at_least(LEDGER, VERIFY_FAILED, 1), 20.0), \
                'no failed verification on /diagnostics'
            reading = probe.observed.read(LEDGER)
            assert reading.level == 2 and 'block 4' in reading.message
            assert graph.wait_for_output('ledger', r'verification failed at start.*block 4', 5.0)
            assert probe.spin_until(lambda: probe.publisher.get_subscription_count() > 0, 10.0)
            probe.publisher.publish(detection('leak', 0.8, [hashlib.sha256(b'after').hexdigest()]))
            assert probe.spin_until(lambda: probe.observed.at_least(LEDGER, APPEND_FAILED, 1), 10.0)
            # The ERROR is held while appends are refused, past Health.recent_s (10 s), not a blip.
            assert not probe.spin_until(lambda: probe.observed.read(LEDGER).level != 2, 12.0)
            assert 'failed verification when opened' in probe.observed.read(LEDGER).message
            assert probe.blocks == [] and all(graph.alive().values())
        finally:
            probe.close()
    with sqlite3.connect(ledger_dir / 'ledger.db') as db:
        assert db.execute('SELECT * FROM checkpoints').fetchall() == checkpoints  # nothing signed over it


def test_node_without_its_config_says_what_is_missing(graph_env):
    result = subprocess.run([sys.executable, '-m', 'fracturescope_ledger.nodes.ledger_node'], env=graph_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "cannot start: node 'ledger' started without parameter(s) database_path, key_path" in result.stderr
    assert 'Traceback' not in result.stderr


def test_detections_keep_flowing_while_the_ledger_verifies_itself(tmp_path, graph_env):
    ledger_dir = tmp_path / 'ledger'
    ledger_dir.mkdir()
    signer = CheckpointSigner.from_key_file(ledger_dir / 'ledger_key.pem')
    with LedgerStore(ledger_dir / 'ledger.db', signer, max_batch=4096) as store:
        futures = [store.append(LedgerRecord('defect', i, 'slab', (bytes(32),), 'none', 0.9, 'm@1'))
                   for i in range(150_000)]
        futures[-1].result()

    with launched(REPO_ROOT / 'launch' / 'ledger.launch.xml', {'ledger_dir': str(ledger_dir)},
                  env=graph_env, log_dir=tmp_path / 'logs'):
        probe = LedgerProbe(graph_env)
        try:
            client = probe.node.create_client(VerifyLedger, 'ledger/verify')
            assert client.wait_for_service(timeout_sec=20.0)
            assert probe.spin_until(lambda: probe.publisher.get_subscription_count() > 0, 10.0)
            verifying = client.call_async(VerifyLedger.Request(whole_ledger=True))
            for i in range(10):
                probe.publisher.publish(detection('crack', 0.9, [hashlib.sha256(bytes([i])).hexdigest()]))
            assert probe.spin_until(lambda: len(probe.blocks) == 10 or verifying.done(), 30.0)
            assert len(probe.blocks) == 10 and not verifying.done(), \
                'appends waited for the verification to finish'
            assert probe.spin_until(verifying.done, 60.0)
            assert verifying.result().ok and verifying.result().blocks_checked >= 150_000
        finally:
            probe.close()
