"""config/diagnostic_analyzers.yaml groups every node's /diagnostics status for rqt_robot_monitor: each status
name, in any namespace, is matched by exactly one analyzer group, and every node the launch files start has a
/diagnostics contract (so a group)."""

from pathlib import Path
import re

from fracturescope_broker.diagnostics_contract import EMBEDDED_BROKER
from fracturescope_common.diagnostics_contract import status_name
from fracturescope_common.static_frames import STATIC_FRAMES
from fracturescope_control.diagnostics_contract import CONTROL, LINE_MARKERS
from fracturescope_foxglove.diagnostics_contract import FOXGLOVE_BRIDGE
from fracturescope_launch.launch_xml import declared_arguments, load_launch_file
from fracturescope_ledger.diagnostics_contract import LEDGER
from fracturescope_perception.diagnostics_contract import DEFECT_DETECTOR, DEFECT_MARKERS, EDGE_TRACKER, THERMAL_MONITOR
from fracturescope_sim.diagnostics_contract import (
    EQUIPMENT_THERMAL_CAMERA,
    LINE_CAMERA,
    PLC_SIMULATOR,
    SURFACE_CAMERA,
)
from fracturescope_uplink.diagnostics_contract import UPLINK
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = (CONTROL, LINE_MARKERS, LEDGER, DEFECT_DETECTOR, DEFECT_MARKERS, EDGE_TRACKER, THERMAL_MONITOR,
             SURFACE_CAMERA, LINE_CAMERA, EQUIPMENT_THERMAL_CAMERA, PLC_SIMULATOR, FOXGLOVE_BRIDGE, EMBEDDED_BROKER,
             UPLINK, STATIC_FRAMES)
ANALYZER = 'diagnostic_aggregator/GenericAnalyzer'
LAUNCH_FILES = sorted((ROOT / 'launch').glob('*.launch.xml'))


def groups() -> dict[str, dict]:
    parameters = yaml.safe_load((ROOT / 'config' / 'diagnostic_analyzers.yaml').read_text())['analyzers'][
        'ros__parameters']
    return {name: group for name, group in parameters.items() if isinstance(group, dict)}


def matches(group: dict, name: str) -> bool:
    """GenericAnalyzer::match (ros/diagnostics, diagnostic_aggregator/src/generic_analyzer.cpp): a full regex
    match, an expected / exact name, a prefix (startswith, find_and_remove_prefix) or a substring (contains)."""
    return (any(re.fullmatch(r, name) for r in group.get('regex', []))
            or name in group.get('expected', []) + group.get('name', [])
            or any(name.startswith(p) for p in group.get('startswith', []) + group.get('find_and_remove_prefix', []))
            or any(c in name for c in group.get('contains', [])))


def test_every_group_is_a_generic_analyzer_with_a_path():
    assert groups() and all(g['type'] == ANALYZER and g['path'] for g in groups().values())


@pytest.mark.parametrize('namespace', ['/', '/robot1', '/site_a/robot2'])
@pytest.mark.parametrize('contract', CONTRACTS, ids=[c.node for c in CONTRACTS])
def test_every_node_status_is_matched_by_exactly_one_group(contract, namespace):
    name = status_name(contract.node, namespace)
    matched = [g for g, group in groups().items() if matches(group, name)]
    assert len(matched) == 1, (name, matched)


def test_a_probe_or_an_unknown_node_is_not_taken_for_one_of_ours():
    assert not any(matches(group, name) for group in groups().values()
                   for name in ('/control_probe', '/my_ledger', '/robot1/edge_tracker_debug'))


def test_every_launched_node_has_a_diagnostics_contract():
    launched = set()
    for path in LAUNCH_FILES:
        required = {arg.name: '/tmp/fracturescope-launch-check' for arg in declared_arguments(path)
                    if arg.default is None}
        launched |= {node.label for node in load_launch_file(path, required).nodes}
    assert launched == {contract.node for contract in CONTRACTS}
