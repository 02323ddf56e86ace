"""What every benchmark prints and saves: a figure per line next to its goal, and one JSON file of results."""

import json
import os
from pathlib import Path
import platform
import sqlite3
import sys
import time

RESULTS_DIR = Path(__file__).resolve().parent / 'results'


def machine() -> dict:
    model = next((line.split(':', 1)[1].strip() for line in Path('/proc/cpuinfo').read_text().splitlines()
                  if line.startswith('model name')), platform.processor())
    return {'cpu': model, 'cpus': os.cpu_count(), 'platform': platform.platform(),
            'python': platform.python_version(), 'sqlite': sqlite3.sqlite_version}


def print_figure(what: str, value: float, goal: str, met: bool | None) -> None:
    verdict = '' if met is None else ('  MET' if met else '  MISSED')
    print(f'{what:<62} {value:>12,.2f}   goal {goal}{verdict}', flush=True)


def save_results(name: str, figures: dict, goals: dict, **extra: object) -> Path:
    """Write results/<name>.json with the figures, goals, machine, command line and time."""
    path = RESULTS_DIR / f'{name}.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'figures': figures, 'goals': goals, 'machine': machine(), 'command': sys.argv,
                                **extra, 'utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())},
                               indent=2) + '\n')
    print(f'wrote {path}')
    return path
