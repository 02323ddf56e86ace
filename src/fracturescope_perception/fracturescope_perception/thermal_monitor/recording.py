"""A recording of an installation's thermal frames for teach-in, and the user's state labels as time ranges.

Recording: one .npz with `frames` (N x H x W float32 degC) and `times_s` (N, seconds since the first frame).
Labels: YAML the user writes or corrects (`fracturescope-thermal-teach propose` writes a first one):

    installation_id: boiler-room-1
    states:                       # [from_s, to_s) in seconds since the recording started
      - {state: cold, from_s: 0, to_s: 1800}
      - {state: warm, from_s: 1800, to_s: 2400}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml


@dataclass
class Recording:
    frames: np.ndarray       # N x H x W degC
    times_s: np.ndarray      # N, since the first frame

    def save(self, path: Path) -> None:
        np.savez_compressed(path, frames=self.frames.astype(np.float32), times_s=self.times_s.astype(np.float64))

    @classmethod
    def load(cls, path: Path) -> Recording:
        with np.load(path) as data:
            frames, times = data['frames'], data['times_s']
        if frames.ndim != 3 or len(frames) != len(times):
            raise ValueError(f'{path}: frames {frames.shape} and times {times.shape} do not match')
        return cls(frames, times)


def ranges_of(states: list[str], times_s: np.ndarray) -> list[dict]:
    """Consecutive frames of one state as time ranges (the label file's `states`)."""
    ranges: list[dict] = []
    for i, state in enumerate(states):
        end = float(times_s[i + 1]) if i + 1 < len(states) else float(times_s[i]) + 1e-3
        if ranges and ranges[-1]['state'] == state:
            ranges[-1]['to_s'] = end
        else:       # not rounded: a rounded start can fall before its own frame
            ranges.append({'state': state, 'from_s': float(times_s[i]), 'to_s': end})
    return ranges


def labels_of(ranges: list[dict], times_s: np.ndarray) -> list[str | None]:
    """Per frame, the state of the range it falls in; None outside every range (not learnt from)."""
    labels: list[str | None] = [None] * len(times_s)
    for entry in ranges:
        for i in np.nonzero((times_s >= entry['from_s']) & (times_s < entry['to_s']))[0]:
            labels[int(i)] = str(entry['state'])
    return labels


def write_labels(path: Path, installation_id: str, ranges: list[dict]) -> None:
    path.write_text(yaml.safe_dump({'installation_id': installation_id, 'states': ranges}, sort_keys=False))


def read_labels(path: Path) -> tuple[str, list[dict]]:
    data = yaml.safe_load(Path(path).read_text())
    if not isinstance(data, dict) or not isinstance(data.get('states'), list):
        raise ValueError(f'{path}: expected installation_id and a list of states with from_s / to_s')
    for entry in data['states']:
        if not {'state', 'from_s', 'to_s'} <= set(entry) or not entry['from_s'] < entry['to_s']:
            raise ValueError(f'{path}: a state range needs state, from_s < to_s: {entry}')
    return str(data.get('installation_id', '')), data['states']
