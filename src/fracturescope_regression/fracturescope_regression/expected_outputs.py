"""What a node's output per input frame must be, as stored beside each regression bag (`expected.json`), and the
comparison of a replay with it: a readable diff per frame for `run`, a count per field for `bless`.

A frame's output is summarised into the fields that matter for the regression (labels and regions of a detection;
status and edge positions of an edge measurement; state, alert and hot spots of a thermal assessment), so that
timings, scores and hashes that legitimately vary do not make a replay fail. `None` stands for "no output": a frame
the node refused (a deliberately bad frame) must stay refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
import json
import math
from pathlib import Path
from typing import Any

from fracturescope_ledger.messages import EDGE_STATUS_LABELS

from fracturescope_msgs.msg import DefectDetection, EdgeMeasurement, ThermalAssessment

FORMAT = 'fracturescope-regression expected outputs v1'
# Edge positions are compared within this tolerance unless the file says otherwise [mm].
DEFAULT_TOLERANCE_MM = 0.05
Summary = dict[str, Any]
Frames = dict[int, Summary | None]   # input frame header stamp [ns] -> output summary (None: no output)


def box(roi: Any) -> list[int]:
    """A sensor_msgs/RegionOfInterest as [x, y, width, height] [px]."""
    return [int(roi.x_offset), int(roi.y_offset), int(roi.width), int(roi.height)]


def summarise_detection(msg: DefectDetection) -> Summary:
    return {'label': msg.label, 'anomaly': bool(msg.is_anomaly),
            'regions': [{'label': r.label, 'box': box(r.roi)} for r in msg.regions]}


def summarise_edges(msg: EdgeMeasurement) -> Summary:
    # NaN (no edge) is stored as null: JSON has no NaN
    def mm(value: float) -> float | None:
        return round(float(value), 4) if math.isfinite(value) else None
    return {'status': EDGE_STATUS_LABELS.get(msg.status, str(msg.status)), 'left_mm': mm(msg.left_mm),
            'right_mm': mm(msg.right_mm)}


def summarise_thermal(msg: ThermalAssessment) -> Summary:
    return {'state': msg.label, 'alert': bool(msg.alert), 'hot_spots': [box(r) for r in msg.hot_spots]}


SUMMARISERS = {'defects': summarise_detection, 'edges': summarise_edges, 'thermal': summarise_thermal}
# Fields of each kind compared with a tolerance [mm]; every other field must be equal.
TOLERANT_FIELDS = {'edges': ('left_mm', 'right_mm')}


@dataclass
class Expected:
    """The expected outputs of one bag."""

    kind: str                      # defects, edges or thermal (a key of SUMMARISERS)
    node: str
    input_topic: str
    output_topic: str
    frames: Frames
    tolerance_mm: float = DEFAULT_TOLERANCE_MM

    def to_json(self) -> dict[str, Any]:
        return {'format': FORMAT, 'kind': self.kind, 'node': self.node, 'input_topic': self.input_topic,
                'output_topic': self.output_topic, 'tolerance_mm': self.tolerance_mm,
                'frames': [{'stamp_ns': stamp, 'output': self.frames[stamp]} for stamp in sorted(self.frames)]}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Expected:
        if document.get('format') != FORMAT:
            raise ValueError(f'not an expected-outputs file ({document.get("format")!r} is not {FORMAT!r})')
        return cls(kind=document['kind'], node=document['node'], input_topic=document['input_topic'],
                   output_topic=document['output_topic'], tolerance_mm=float(document['tolerance_mm']),
                   frames={int(f['stamp_ns']): f['output'] for f in document['frames']})


def load(path: Path) -> Expected:
    return Expected.from_json(json.loads(path.read_text()))


def save(expected: Expected, path: Path) -> None:
    """Written whole to a temporary file first: an interrupted bless leaves the old file."""
    document = expected.to_json()
    frames = document.pop('frames')
    # one line per frame: a re-bless shows in `git diff` as the frames that changed
    head = json.dumps(document, indent=1)[:-2]
    lines = ',\n'.join('  ' + json.dumps(frame) for frame in frames)
    temporary = path.with_suffix('.tmp')
    temporary.write_text(f'{head},\n "frames": [\n{lines}\n ]\n}}\n')
    temporary.replace(path)


@dataclass(frozen=True)
class FieldChange:
    frame: int        # index of the input frame in the bag
    stamp_ns: int
    field: str        # a summary field; 'output' when one side has no output, 'frame' when one side lacks the frame
    expected: str     # as printed
    actual: str

    def __str__(self) -> str:
        return f'frame {self.frame} (stamp {self.stamp_ns}): {self.field}: expected {self.expected}, got {self.actual}'


@dataclass
class Comparison:
    changes: list[FieldChange] = field(default_factory=list)
    compared: Counter = field(default_factory=Counter)   # field -> frames where both sides have it

    @property
    def ok(self) -> bool:
        return not self.changes

    def counts(self) -> list[str]:
        """'3 of 40 labels changed' per field that changed."""
        changed = Counter(c.field for c in self.changes)
        return [f'{changed[name]} of {self.compared[name]} {name} changed' for name in sorted(changed)]


def compare(expected: Expected, actual: Frames) -> Comparison:
    """Every frame of either side, in stamp order; frames only one side knows are changes of 'frame'."""
    result = Comparison()
    tolerant = TOLERANT_FIELDS.get(expected.kind, ())
    for index, stamp in enumerate(sorted(set(expected.frames) | set(actual))):
        if stamp not in expected.frames or stamp not in actual:
            result.compared['frame'] += 1
            result.changes.append(FieldChange(index, stamp, 'frame', 'in the bag' if stamp in expected.frames
                                              else 'not in the bag', 'in the replay' if stamp in actual
                                              else 'not in the replay'))
            continue
        want, got = expected.frames[stamp], actual[stamp]
        result.compared['output'] += 1
        if (want is None) != (got is None):
            result.changes.append(FieldChange(index, stamp, 'output', _presence(want), _presence(got)))
            continue
        if want is None:
            continue
        for name in sorted(set(want) | set(got)):
            result.compared[name] += 1
            a, b = want.get(name), got.get(name)
            if name in tolerant and a is not None and b is not None:
                same = abs(a - b) <= expected.tolerance_mm
            else:
                same = a == b
            if not same:
                result.changes.append(FieldChange(index, stamp, name, _show(a), _show(b)))
    return result


def _presence(summary: Summary | None) -> str:
    return 'no output (refused)' if summary is None else f'an output {_show(summary)}'


def _show(value: Any) -> str:
    return json.dumps(value, separators=(', ', ': '))
