"""Integration: the short regression bags (one per node) replayed through the robot's nodes match their committed
expected outputs; a changed expectation fails `run` with a per-frame diff, and `bless` restores it, reporting the
change."""

import json
from pathlib import Path
import shutil

from fracturescope_regression.cli import main
from fracturescope_regression.scenarios import SCENARIOS, expected_path
import pytest

BAGS = Path(__file__).resolve().parents[3] / 'regression' / 'bags'
pytestmark = pytest.mark.integration


def test_the_short_bags_replay_as_expected(capsys):
    assert main(['run', '--bags', str(BAGS), '--fast']) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    for scenario in SCENARIOS:
        if scenario.fast:
            assert f'ok   {scenario.name}:' in out
    assert 'regression: ALL OK' in out


def test_a_changed_expectation_fails_with_a_diff_and_bless_reports_and_fixes_it(tmp_path, capsys):
    bags = tmp_path / 'bags'
    shutil.copytree(BAGS / 'thermal_short', bags / 'thermal_short')
    path = bags / 'thermal_short.expected.json'
    shutil.copy(BAGS / 'thermal_short.expected.json', path)
    document = json.loads(path.read_text())
    changed = next(i for i, f in enumerate(document['frames']) if f['output'] and f['output']['state'] == 'cold')
    frame = document['frames'][changed]
    frame['output']['state'] = 'hot'
    path.write_text(json.dumps(document))

    assert main(['run', '--bags', str(bags), '--only', 'thermal_short']) == 1
    out = capsys.readouterr().out
    assert 'FAIL thermal_short: 1 difference(s)' in out
    assert f'frame {changed} (stamp {frame["stamp_ns"]}): state: expected "hot", got "cold"' in out
    assert '1 of 22 state changed' in out and 'regression: FAILED thermal_short' in out

    assert main(['bless', '--bags', str(bags), '--only', 'thermal_short']) == 0
    out = capsys.readouterr().out
    assert 'changed thermal_short: 1 change(s)' in out and '1 of 22 state changed' in out
    # the two frames without output are the simulator's deliberately bad ones, named from the recorded truth
    assert 'thermal_short: frames without output (refused by the node): 14 (wrong_size), 21 (wrong_size)' in out
    assert json.loads(path.read_text()) == json.loads((BAGS / 'thermal_short.expected.json').read_text())
    assert main(['run', '--bags', str(bags), '--only', 'thermal_short']) == 0
    assert 'ok   thermal_short:' in capsys.readouterr().out


def test_every_bag_has_its_expected_outputs_and_all_fit_in_30_mb():
    for scenario in SCENARIOS:
        assert (BAGS / scenario.name / 'metadata.yaml').exists(), scenario.name
        assert expected_path(BAGS, scenario).exists(), scenario.name
    assert sum(f.stat().st_size for f in BAGS.rglob('*') if f.is_file()) <= 30e6
