"""What an alert says on the wire: versioned JSON, one object per MQTT message on
`fracturescope/<robot_id>/alerts/<kind>`. Plain Python: the operator centre and tests read it without ROS.

Schema `fracturescope.alert/1` (every alert):
    schema        "fracturescope.alert/1"
    alert_id      32 hex digits from the robot, kind, source stamp and finding: a receiver drops an id it has seen
                  (delivery is at least once; a restarted uplink that is sent the same result again makes the same id)
    robot_id      the robot that sent it
    kind          defect | thermal | edge_loss | control | checkpoint
    utc           when the uplink made it, ISO 8601 UTC
    stamp_ns      header stamp of the message it comes from (ns since the epoch, the robot's clock)
    label         what was found (class name, "anomaly", "lost", a control mode ...)
    confidence    0..1 where it applies, else null
    details       kind-specific fields (below)
    ledger        {"index", "block_hash"} of the ledger block that recorded the finding (null while unknown),
                  and "checkpoint": the newest signed checkpoint {"tree_size", "root_hash", "key_id"} seen by then
    thumbnail     optional {"jpeg_base64"}: a small JPEG of the frame; left out first when the link is short of bytes
defect details:  location, anomaly_score, is_anomaly, image_sha256 [rgb, thermal], model_id, regions [{label,
                 confidence, anomaly_score, x, y, width, height}] (pixels of the RGB image); and "request" {issuer,
                 nonce} when the pair answers an operator's inspect_again command (then it is sent whatever the
                 label, "none" included, and whatever the repeat suppression)
thermal details: installation_id, anomaly_probability, max_temperature_c, hot_spots [{x, y, width, height,
                 excess_k}], image_sha256, model_id
edge_loss details: lost_for_s, last_status; control details: mode, previous_mode, controller, f_left_hz, f_right_hz;
checkpoint details: tree_size, root_hash, key_id, public_key, signature (hex), timestamp_ns, and consistency:
                 {first_size, first_root_hash, proof [hex]}, the RFC 9162 proof that the last checkpoint this uplink
                 sent (first_size blocks) is a prefix of this one; null for the first one sent, or when the ledger
                 gave no proof.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
import hashlib
import json
from typing import Any

SCHEMA = 'fracturescope.alert/1'
TOPIC_ROOT = 'fracturescope'
# Kinds and their priority in a full outbox and on a short link (higher goes first, is dropped last).
PRIORITY = {'defect': 3, 'thermal': 3, 'edge_loss': 2, 'control': 2, 'checkpoint': 1}
KINDS = tuple(PRIORITY)
MAX_ALERT_BYTES = 64 * 1024   # a receiver refuses bigger alert objects (thumbnail included)


def alerts_topic(robot_id: str, kind: str) -> str:
    return f'{TOPIC_ROOT}/{robot_id}/alerts/{kind}'


def alert_id_for(robot_id: str, kind: str, stamp_ns: int, finding: str) -> str:
    """The id of the alert about `finding` (an image hash, a label) from the result stamped `stamp_ns`."""
    return hashlib.sha256('\0'.join((robot_id, kind, str(stamp_ns), finding)).encode()).hexdigest()[:32]


def new_alert(robot_id: str, kind: str, stamp_ns: int, label: str, confidence: float | None,
              details: dict[str, Any], finding: str = '', now: datetime | None = None) -> dict[str, Any]:
    """An alert without ledger reference or thumbnail (added by `with_ledger` / `with_thumbnail`); `finding` tells
    apart alerts of one kind from one stamp (default: the label)."""
    if kind not in PRIORITY:
        raise ValueError(f'unknown alert kind {kind!r}')
    alert_id = alert_id_for(robot_id, kind, stamp_ns, finding or label)
    return {'schema': SCHEMA, 'alert_id': alert_id, 'robot_id': robot_id, 'kind': kind,
            'utc': (now or datetime.now(UTC)).isoformat(timespec='milliseconds'), 'stamp_ns': int(stamp_ns),
            'label': label, 'confidence': None if confidence is None else round(float(confidence), 6),
            'details': details, 'ledger': {'index': None, 'block_hash': None, 'checkpoint': None}}


def with_ledger(alert: dict[str, Any], index: int | None, block_hash: str | None,
                checkpoint: dict[str, Any] | None) -> dict[str, Any]:
    ledger = dict(alert['ledger'])
    if index is not None:
        ledger['index'], ledger['block_hash'] = int(index), block_hash
    if checkpoint is not None:
        ledger['checkpoint'] = checkpoint
    return {**alert, 'ledger': ledger}


def with_thumbnail(body: bytes, jpeg: bytes) -> bytes:
    """The encoded alert `body` with its JPEG thumbnail."""
    alert = json.loads(body)
    alert['thumbnail'] = {'jpeg_base64': base64.b64encode(jpeg).decode('ascii')}
    return encode(alert)


def encode(alert: dict[str, Any]) -> bytes:
    return json.dumps(alert, separators=(',', ':'), allow_nan=False).encode()


def json_object(payload: bytes, max_bytes: int, schema: str | None = None) -> dict[str, Any]:
    """A JSON object from an MQTT payload of at most `max_bytes` (of `schema`, when given); ValueError says why not."""
    if len(payload) > max_bytes:
        raise ValueError(f'{len(payload)} bytes (at most {max_bytes})')
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f'not JSON: {error}') from error
    if not isinstance(data, dict) or (schema is not None and data.get('schema') != schema):
        raise ValueError(f'not a {schema or "JSON"} object')
    return data


def require_fields(data: dict[str, Any], fields: tuple[tuple[str, type], ...]) -> None:
    for key, kind in fields:
        if not isinstance(data.get(key), kind):
            raise ValueError(f'field {key!r} missing or not {kind.__name__}')


def decode(payload: bytes) -> dict[str, Any]:
    """An alert as a receiver checks it; ValueError names what is wrong."""
    alert = json_object(payload, MAX_ALERT_BYTES, SCHEMA)
    require_fields(alert, (('alert_id', str), ('robot_id', str), ('kind', str), ('utc', str), ('stamp_ns', int),
                           ('label', str), ('details', dict), ('ledger', dict)))
    if alert['kind'] not in PRIORITY:
        raise ValueError(f'unknown kind {alert["kind"]!r}')
    return alert
