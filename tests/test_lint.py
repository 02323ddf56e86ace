"""Linters as tests (as ros2/examples do with ament_flake8): ruff over every Python file of the workspace."""

from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    result = subprocess.run(
        [sys.executable, '-m', 'ruff', 'check', '--no-cache', str(ROOT)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
