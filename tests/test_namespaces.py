"""Two simulated robots in two namespaces on one ROS domain (as on a shared plant network): each robot's nodes find
their parameters, talk only to their own robot, and each ledger holds only its own robot's results."""

from pathlib import Path

from fracturescope_common.qos import RECORDING
from fracturescope_common.stamps import to_ns
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_ledger.store import LedgerStore
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest

from fracturescope_msgs.msg import DefectDetection

ROOT = Path(__file__).resolve().parents[1]
PAIRS = 12
pytestmark = pytest.mark.integration


def robot(name: str, tmp_path: Path, port: int) -> dict[str, str]:
    return {'namespace': name, 'ledger_dir': str(tmp_path / name), 'plc_port': str(port), 'camera_frames': str(PAIRS),
            'camera_rate_hz': '4', 'edge_eye': 'false', 'thermal_monitor': 'false', 'broker': 'false',
            'uplink': 'false'}   # what this test needs of each robot: two full graphs overload 2 cores


def test_two_robots_share_a_domain_without_crosstalk(tmp_path):
    env = isolated_ros_env()
    port = 15500 + int(env['ROS_DOMAIN_ID'])
    launch = ROOT / 'launch' / 'sim.launch.xml'
    with launched(launch, robot('robot1', tmp_path, port), env=env, log_dir=tmp_path / 'logs1') as first, \
            launched(launch, robot('robot2', tmp_path, port + 200), env=env, log_dir=tmp_path / 'logs2') as second:
        probe = GraphProbe(env, 'namespace_probe')
        try:
            # as the ledger reads them: what the detector published before this probe joined comes too
            detections = {name: probe.collect(DefectDetection, f'/{name}/defects', RECORDING)
                          for name in ('robot1', 'robot2')}
            assert probe.spin_until(lambda: all(len(d) >= PAIRS - 2 for d in detections.values()), 120.0), \
                {name: len(d) for name, d in detections.items()}
            probe.spin_until(lambda: False, 3.0)                  # the ledgers append what is in flight
            names = {(name, namespace) for name, namespace in probe.node.get_node_names_and_namespaces()}
            assert {('defect_detector', '/robot1'), ('defect_detector', '/robot2'), ('ledger', '/robot1'),
                    ('ledger', '/robot2'), ('control', '/robot1'), ('control', '/robot2')} <= names
            assert all(first.alive().values()) and all(second.alive().values())
        finally:
            probe.close()
    for name, own in detections.items():
        with LedgerStore(tmp_path / name / 'ledger.db', None) as store:
            recorded = {block.record.source_stamp_ns for block in store.iter_blocks()
                        if block.record.record_type == 'defect'}
        others = {to_ns(d.header.stamp) for other, ds in detections.items() if other != name for d in ds}
        # crosstalk would put the other robot's detections in this ledger, and about twice as many blocks
        assert 0 < len(recorded) <= PAIRS, (name, len(recorded))
        assert not recorded & others, f"{name}'s ledger holds the other robot's detections"
        assert recorded & {to_ns(d.header.stamp) for d in own}, name
