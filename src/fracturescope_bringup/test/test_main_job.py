"""The main job end to end: the README's run command minus set-up, on a short run."""

from pathlib import Path
import re
import subprocess
import sys

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.integration
def test_main_job_runs_the_graph_and_reports_a_verified_ledger(tmp_path):
    def run():
        return subprocess.run(
            [sys.executable, '-m', 'fracturescope_bringup.main_job', '--duration', '3',
             '--ledger-dir', str(tmp_path / 'ledger'), '--log-dir', str(tmp_path / 'log')],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)

    first = run()
    assert first.returncode == 0, first.stdout + first.stderr
    assert 'ALL OK' in first.stdout
    assert re.search(r'15 published by the simulated cameras \(\d+ bad on purpose\): \d+ classified, \d+ refused .*'
                     r'0 lost', first.stdout), first.stdout
    assert re.search(r'detections +\d+ published by the defect detector: \d+ became blocks, 0 rejected by the '
                     r'ledger, 0 lost', first.stdout), first.stdout
    assert re.search(r'verification +OK: ', first.stdout), first.stdout
    recorded = re.search(r'thermal ledger +(\d+) assessments recorded as thermal blocks\n', first.stdout)
    assert recorded and int(recorded.group(1)) > 0, first.stdout   # and none missing: no ', N missing'
    assert 'new ledger' in first.stdout

    # A second run extends the same chain and proves the first ledger is a prefix of the new one.
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r'proven: the \d+-block ledger found at start is a prefix', second.stdout), second.stdout
