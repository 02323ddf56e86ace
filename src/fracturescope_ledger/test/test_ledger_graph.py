"""Integration: the ledger node and the simulated detection source as separate processes over DDS,
started from launch/sim.launch.xml (the file `ros2 launch` runs on a robot)."""

import hashlib
import math
from pathlib import Path
import sqlite3
import subprocess
import sys
import time

from diagnostic_msgs.msg import DiagnosticArray
from fracturescope_bringup.testing import isolated_ros_env, launched
from fracturescope_common.qos import LATCHED_STATE, RELIABLE_EVENTS
from fracturescope_ledger.block import LedgerRecord
from fracturescope_ledger.checkpoint import Checkpoint, CheckpointSigner
from fracturescope_ledger.merkle import leaf_hash, verify_inclusion
from fracturescope_ledger.store import LedgerStore
from fracturescope_ledger.verify import verify_ledger
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor

from fracturescope_msgs.msg import DefectDetection, LedgerBlock, LedgerCheckpoint
from fracturescope_msgs.srv import GetInclusionProof, VerifyLedger

REPO_ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.integration
CLASSES = ['crack', 'corrosion', 'leak', 'none']


class Probe:
    """The test's own node in the graph's domain: publishes detections, watches blocks and diagnostics."""

    def __init__(self, env):
        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=int(env['ROS_DOMAIN_ID']))
        self.node = rclpy.create_node('ledger_probe', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.blocks: list[LedgerBlock] = []
        self.diagnostics: dict[str, DiagnosticArray] = {}
        self.checkpoint: LedgerCheckpoint | None = None
        self.publisher = self.node.create_publisher(DefectDetection, 'defects', RELIABLE_EVENTS)
        self.node.create_subscription(LedgerBlock, 'ledger/blocks', self.blocks.append, RELIABLE_EVENTS)
        self.node.create_subscription(LedgerCheckpoint, 'ledger/checkpoint', self._on_checkpoint, LATCHED_STATE)
        self.node.create_subscription(DiagnosticArray, '/diagnostics', self._on_diagnostics, 50)

    def _on_checkpoint(self, msg):
        self.checkpoint = msg

    def _on_diagnostics(self, msg):
        for status in msg.status:
            self.diagnostics[status.name] = status

    def spin_until(self, condition, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            self.executor.spin_once(timeout_sec=0.05)
        return condition()

    def call(self, srv_type, name, request, timeout_s=30.0):
        client = self.node.create_client(srv_type, name)
        assert client.wait_for_service(timeout_sec=timeout_s), f'service {name} not available'
        future = client.call_async(request)
        self.executor.spin_until_future_complete(future, timeout_sec=timeout_s)
        assert future.done(), f'service {name} did not answer'
        return future.result()

    def close(self):
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)


def detection(label, confidence, hashes, location='test-bench/slab-1'):
    msg = DefectDetection(label=label, confidence=confidence, class_names=CLASSES,
                          scores=[0.7, 0.1, 0.1, 0.1], anomaly_score=0.05, anomaly_threshold=0.7,
                          image_sha256=hashes, location=location, model_id='probe@1')
    msg.header.stamp.sec = 1_800_000_000
    return msg


def diagnostic_value(status, key):
    return int({kv.key: kv.value for kv in status.values}.get(key, 0))


@pytest.fixture
def graph_env(monkeypatch):
    env = isolated_ros_env()
    monkeypatch.setenv('ROS_AUTOMATIC_DISCOVERY_RANGE', env['ROS_AUTOMATIC_DISCOVERY_RANGE'])
    return env


def test_detections_become_verified_blocks(tmp_path, graph_env):
    ledger_dir = tmp_path / 'ledger'
    with launched(REPO_ROOT / 'launch' / 'sim.launch.xml',
                  {'ledger_dir': str(ledger_dir), 'detection_rate_hz': '20.0'},
                  env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = Probe(graph_env)
        try:
            assert probe.spin_until(lambda: probe.publisher.get_subscription_count() > 0, 20.0), \
                'ledger node never subscribed to defects'
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
            assert probe.spin_until(lambda: 'ledger' in probe.diagnostics and diagnostic_value(
                probe.diagnostics['ledger'], 'rejected') >= 3, 10.0)
            count = len(probe.blocks)
            assert probe.spin_until(lambda: len(probe.blocks) > count + 5, 10.0)
            assert all(graph.alive().values()), graph.alive()

            response = probe.call(VerifyLedger, 'ledger/verify', VerifyLedger.Request(whole_ledger=True))
            assert response.ok, response.reason
            assert response.first_bad_index == -1
            assert response.blocks_checked >= len(probe.blocks)

            target = our_blocks()[1]
            proof = probe.call(GetInclusionProof, 'ledger/inclusion_proof',
                               GetInclusionProof.Request(index=target.index))
            assert proof.success, proof.message
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


def test_tampered_ledger_is_reported_and_node_keeps_appending(tmp_path, graph_env):
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

    with launched(REPO_ROOT / 'launch' / 'ledger.launch.xml', {'ledger_dir': str(ledger_dir)},
                  env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = Probe(graph_env)
        try:
            assert probe.spin_until(lambda: 'ledger' in probe.diagnostics and
                                    probe.diagnostics['ledger'].level == b'\x02', 20.0), 'no ERROR diagnostic'
            assert 'block 4' in probe.diagnostics['ledger'].message
            assert graph.wait_for_output('ledger', r'verification failed.*block 4', 5.0)
            assert probe.spin_until(lambda: probe.publisher.get_subscription_count() > 0, 10.0)
            probe.publisher.publish(detection('leak', 0.8, [hashlib.sha256(b'after').hexdigest()]))
            assert probe.spin_until(lambda: len(probe.blocks) == 1, 10.0), 'node stopped appending'
            assert probe.blocks[0].index == 10
            assert all(graph.alive().values())
        finally:
            probe.close()


def test_node_without_its_config_says_what_is_missing(graph_env):
    result = subprocess.run([sys.executable, '-m', 'fracturescope_ledger.nodes.ledger_node'], env=graph_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "cannot start: node 'ledger' started without parameter(s) database_path, key_path" in result.stderr
    assert 'Traceback' not in result.stderr
