"""Integration: the keystore of a real graph. launch/sim.launch.xml (ledger, PLC simulator, control) is started as
separate processes in a private domain under the namespace robot1, introspected, stopped; each node's permissions
must allow exactly what the running node showed, and the saved graph must give the same permissions again."""

from pathlib import Path

from fracturescope_security.cli import main
from fracturescope_security.graph import load_graph
from fracturescope_security.keystore import Keystore
from fracturescope_security.policy import grant_for, grant_in
from fracturescope_security.verify import verify_keystore
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.integration


def grants(keystore: Keystore):
    return {e: grant_in((keystore.enclave_dir(e) / 'permissions.xml').read_bytes())[1]
            for e in keystore.enclave_names()}


def test_keystore_of_the_launched_graph(tmp_path):
    keystore = Keystore(tmp_path / 'keystore')
    assert main(['build', str(keystore.root), '--namespace', 'robot1', '--domain-id', '3',
                 '--launch', str(REPO_ROOT / 'launch' / 'sim.launch.xml'), f'ledger_dir:={tmp_path / "ledger"}',
                 'perception:=false', 'edge_eye:=false', 'thermal_monitor:=false', 'broker:=false', 'uplink:=false',
                 f'operator_public_key:={tmp_path / "none.pub"}']) == 0
    nodes = {n.name: n for n in load_graph(keystore.graph)}
    assert set(nodes) == {'ledger', 'plc_simulator', 'control', 'line_markers', 'static_frames'}
    assert {n.namespace for n in nodes.values()} == {'/robot1'}
    # what the running nodes showed, as the graph file keeps it
    assert '/robot1/roll_command' in nodes['control'].publishers
    assert '/robot1/ledger/blocks' in nodes['ledger'].publishers
    assert '/robot1/ledger/verify' in nodes['ledger'].services
    assert '/robot1/ledger/get_parameters' in nodes['ledger'].services
    assert '/rosout' in nodes['ledger'].publishers
    by_enclave = grants(keystore)
    assert sorted(by_enclave) == ['/fracturescope/robot1/control', '/fracturescope/robot1/ledger',
                                  '/fracturescope/robot1/line_markers', '/fracturescope/robot1/plc_simulator',
                                  '/fracturescope/robot1/static_frames']
    for node in nodes.values():
        assert by_enclave[node.enclave] == grant_for(node)
    ledger, control = by_enclave['/fracturescope/robot1/ledger'], by_enclave['/fracturescope/robot1/control']
    assert 'rt/robot1/roll_command' in control.publish
    assert 'rt/robot1/roll_command' not in ledger.publish | ledger.subscribe
    markers = by_enclave['/fracturescope/robot1/line_markers']        # it draws; it moves nothing
    assert 'rt/robot1/line/markers' in markers.publish and 'rt/robot1/roll_command' in markers.subscribe
    assert 'rt/robot1/roll_command' not in markers.publish and 'rt/robot1/operator/command' not in markers.subscribe
    frames = by_enclave['/fracturescope/robot1/static_frames']      # the robot's tf tree, in its namespace
    assert 'rt/robot1/tf_static' in frames.publish and 'rt/robot1/operator/command' not in frames.subscribe
    assert 'rt/robot1/ledger/blocks' in ledger.publish and 'rt/robot1/ledger/blocks' not in control.publish
    assert 'rq/robot1/ledger/verifyRequest' in ledger.subscribe
    assert 'rr/robot1/ledger/verifyReply' not in control.publish
    assert verify_keystore(keystore.root) == []

    again = Keystore(tmp_path / 'from_graph')
    assert main(['build', str(again.root), '--graph', str(keystore.graph), '--domain-id', '3']) == 0
    assert grants(again) == by_enclave
    assert verify_keystore(again.root) == []
