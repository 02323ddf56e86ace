"""What the robot is doing, sampled for the operator centre's plots: the sheet-edge alignment (the control node's
edge errors from their standard) and each thermal camera's state, summed up once per `telemetry_period_s`.

Not alerts: a telemetry message is sent with QoS 0 while the link is up and within the byte budget, and is not kept
when it cannot go (the outbox is for findings); the centre's plot shows a gap for a link outage.

Schema `fracturescope.telemetry/1`, on `fracturescope/<robot_id>/telemetry`:
    schema, robot_id, utc (when made), stamp_ns (the newest sample's source stamp; 0 without one), period_s
    alignment   null without roll commands in the period, else {samples, measured (samples with a usable
                measurement), mean_left_mm, mean_right_mm, max_abs_left_mm, max_abs_right_mm (edge minus its
                standard; null when nothing was measured), mode (the last control mode), modes {mode: samples},
                f_left_hz, f_right_hz (the last frequencies)}
    edge_status {ok | repaired | unrecognised | no_material: frames} of Edge-Eye in the period
    thermal     [{camera, installation_id, label, anomaly_probability, max_temperature_c, hot_spots, alert,
                stamp_ns, frames}], the newest assessment of each camera ever seen (frames: in this period)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import math
from typing import Any

from fracturescope_uplink.alert_schema import TOPIC_ROOT, json_object, require_fields

SCHEMA = 'fracturescope.telemetry/1'
MAX_TELEMETRY_BYTES = 16 * 1024   # a receiver refuses bigger ones
MAX_CAMERAS = 32                   # thermal cameras reported at most (a robot has a handful)


def telemetry_topic(robot_id: str) -> str:
    return f'{TOPIC_ROOT}/{robot_id}/telemetry'


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass
class _Alignment:
    samples: int = 0
    errors: list[tuple[float, float]] = field(default_factory=list)
    modes: Counter[str] = field(default_factory=Counter)
    mode: str = ''
    f_hz: tuple[float, float] = (0.0, 0.0)

    def summary(self) -> dict[str, Any]:
        left = [e[0] for e in self.errors]
        right = [e[1] for e in self.errors]
        return {'samples': self.samples, 'measured': len(self.errors),
                'mean_left_mm': _rounded(sum(left) / len(left) if left else None),
                'mean_right_mm': _rounded(sum(right) / len(right) if right else None),
                'max_abs_left_mm': _rounded(max(map(abs, left)) if left else None),
                'max_abs_right_mm': _rounded(max(map(abs, right)) if right else None),
                'mode': self.mode, 'modes': dict(self.modes),
                'f_left_hz': round(self.f_hz[0], 3), 'f_right_hz': round(self.f_hz[1], 3)}


class TelemetryWindow:
    """Samples in, one summary per period out (`take`)."""

    def __init__(self, robot_id: str) -> None:
        self.robot_id = robot_id
        self._alignment = _Alignment()
        self._edge_status: Counter[str] = Counter()
        self._thermal: dict[str, dict[str, Any]] = {}    # camera -> its newest assessment
        self._thermal_frames: Counter[str] = Counter()
        self._stamp_ns = 0

    def roll_command(self, mode: str, error_left_mm: float, error_right_mm: float, f_left_hz: float,
                     f_right_hz: float, stamp_ns: int) -> None:
        """One control output; its errors are NaN when it had no usable measurement."""
        a = self._alignment
        a.samples += 1
        a.modes[mode] += 1
        a.mode, a.f_hz = mode, (float(f_left_hz), float(f_right_hz))
        if math.isfinite(error_left_mm) and math.isfinite(error_right_mm):
            a.errors.append((float(error_left_mm), float(error_right_mm)))
        self._stamp_ns = max(self._stamp_ns, stamp_ns)

    def edge_status(self, status: str) -> None:
        self._edge_status[status] += 1

    def thermal(self, camera: str, installation_id: str, label: str, anomaly_probability: float,
                max_temperature_c: float, hot_spots: int, alert: bool, stamp_ns: int) -> None:
        if camera not in self._thermal and len(self._thermal) >= MAX_CAMERAS:
            return
        self._thermal[camera] = {'camera': camera, 'installation_id': installation_id, 'label': label,
                                 'anomaly_probability': round(float(anomaly_probability), 4),
                                 'max_temperature_c': round(float(max_temperature_c), 2), 'hot_spots': int(hot_spots),
                                 'alert': bool(alert), 'stamp_ns': int(stamp_ns)}
        self._thermal_frames[camera] += 1
        self._stamp_ns = max(self._stamp_ns, stamp_ns)

    def take(self, period_s: float, now: datetime | None = None) -> dict[str, Any] | None:
        """The period's summary, and a new period begins; None when nothing at all was seen in it."""
        if not (self._alignment.samples or self._edge_status or self._thermal_frames):
            return None
        message = {'schema': SCHEMA, 'robot_id': self.robot_id,
                   'utc': (now or datetime.now(UTC)).isoformat(timespec='milliseconds'),
                   'stamp_ns': self._stamp_ns, 'period_s': period_s,
                   'alignment': self._alignment.summary() if self._alignment.samples else None,
                   'edge_status': dict(self._edge_status),
                   'thermal': [{**t, 'frames': self._thermal_frames[camera]} for camera, t in self._thermal.items()]}
        self._alignment, self._edge_status, self._thermal_frames = _Alignment(), Counter(), Counter()
        return message


def encode_telemetry(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(',', ':'), allow_nan=False).encode()


def decode_telemetry(payload: bytes) -> dict[str, Any]:
    """A telemetry message as a receiver checks it; ValueError names what is wrong."""
    message = json_object(payload, MAX_TELEMETRY_BYTES, SCHEMA)
    require_fields(message, (('robot_id', str), ('stamp_ns', int), ('edge_status', dict), ('thermal', list)))
    alignment = message.get('alignment')
    if alignment is not None and not isinstance(alignment, dict):
        raise ValueError("field 'alignment' not an object")
    if not all(isinstance(t, dict) for t in message['thermal']):
        raise ValueError("field 'thermal' holds a non-object")
    return message
