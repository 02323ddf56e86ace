"""The main job end to end: the README's run command minus set-up, on a short run; checked through its JSON."""

import json
from pathlib import Path
import subprocess
import sys

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.integration
def test_main_job_runs_the_graph_and_reports_a_verified_ledger(tmp_path):
    def run(name):
        summary = tmp_path / f'{name}.json'
        done = subprocess.run(
            [sys.executable, '-m', 'fracturescope_bringup.main_job', '--duration', '3', '--camera-rate', '5',
             '--ledger-dir', str(tmp_path / 'ledger'), '--log-dir', str(tmp_path / 'log'),
             '--summary-json', str(summary), '--foxglove', '--record-bag'],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
        assert f'summary as JSON: {summary}' in done.stdout, done.stdout + done.stderr
        return done, json.loads(summary.read_text())

    first, report = run('first')
    assert first.returncode == 0, first.stdout + first.stderr
    assert report['verdict'] == 'OK' and report['problems'] == [] and 'ALL OK' in first.stdout
    assert all(check['verdict'] == 'OK' for check in report['checks'].values()), report['checks']
    checks = {topic: check['figures'] for topic, check in report['checks'].items()}
    pairs = checks['camera pairs']
    assert pairs['published'] == 15 and pairs['reconciled'] and pairs['lost'] == 0
    # every pair accounted for: an RGB frame the busy detector never took (keep-last image QoS) is counted as such
    assert pairs['classified'] + pairs['refused'] + pairs['unpaired_rgb'] + pairs['rgb_dropped'] == 15
    assert checks['detections']['published'] == checks['detections']['blocks'] == pairs['classified']
    assert checks['detections']['rejected_by_ledger'] == checks['detections']['lost'] == 0
    assert checks['verification']['blocks_checked'] > 0
    assert checks['thermal ledger']['recorded'] > 0 and checks['thermal ledger']['missing'] == 0
    assert checks['append-only']['new_ledger']
    # the operator link: alerts reached the operator through the embedded broker, its signed command was obeyed
    assert checks['operator link']['received'] > 0 and checks['operator link']['drained']
    assert checks['operator command']['forwarded'] == 1 and checks['operator command']['obeyed'] == 1
    # answered, unless a loaded machine connected the uplink after the 3 s run's last camera pair (the row says so)
    inspection = checks['operator inspect again']
    assert inspection['answered'] == 1 or inspection['waiting'] == 1
    # the operator centre on the same broker, subscribed before the robot started, stored its alerts and witnessed
    # its ledger
    assert checks['operator centre']['witness'] == 'ok' and checks['operator centre']['alerts'] > 0
    # the run is in a bag that reads back, every detection in it; the Foxglove bridge served the graph
    assert checks['bag']['defects'] == checks['detections']['published'] and checks['bag']['damaged'] == 0
    assert checks['bag']['edges'] > 0 and checks['bag']['ledger_blocks'] > 0
    assert checks['foxglove']['channels'] > 20

    # A second run extends the same chain and proves the first ledger is a prefix of the new one.
    second, report = run('second')
    assert second.returncode == 0, second.stdout + second.stderr
    assert report['verdict'] == 'OK' and not report['checks']['append-only']['figures']['new_ledger']
    assert report['checks']['append-only']['verdict'] == 'OK'
    centre = report['checks']['operator centre']
    assert centre['figures']['witness'] == 'ok' and centre['figures']['proof_checked'], centre   # extends the first
    # the robot's telemetry (kept over both runs) gave the dashboard's plot its edge alignment
    assert centre['figures']['alignment_points'] >= 1 and centre['figures']['thermal_cameras'] >= 1, centre
