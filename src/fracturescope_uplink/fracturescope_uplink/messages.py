"""ROS messages -> the uplink's plain observations (duck-typed: no rclpy import; tests pass real messages)."""

from __future__ import annotations

from typing import Any

from fracturescope_common.image_conversion import ImageConversionError, as_rgb
import numpy as np

from fracturescope_uplink.uplink import DefectObservation, ThermalObservation

NS_PER_S = 1_000_000_000
# EdgeMeasurement.status and RollCommand.mode values, by name (the messages' constants)
EDGE_STATUS = {0: 'ok', 1: 'repaired', 2: 'unrecognised', 3: 'no_material'}
USABLE_EDGE = frozenset({0, 1})
CONTROL_MODE = {0: 'AUTO', 1: 'HOLD', 2: 'ESTOP', 3: 'MANUAL'}


def stamp_ns(stamp: Any) -> int:
    return int(stamp.sec) * NS_PER_S + int(stamp.nanosec)


def _box(roi: Any) -> dict[str, int]:
    return {'x': int(roi.x_offset), 'y': int(roi.y_offset), 'width': int(roi.width), 'height': int(roi.height)}


def defect_observation(msg: Any) -> DefectObservation:
    """fracturescope_msgs/DefectDetection."""
    regions = tuple({'label': r.label, 'confidence': round(float(r.confidence), 6),
                     'anomaly_score': round(float(r.anomaly_score), 6), **_box(r.roi)} for r in msg.regions)
    return DefectObservation(stamp_ns(msg.header.stamp), msg.label, float(msg.confidence), float(msg.anomaly_score),
                             bool(msg.is_anomaly), msg.location, tuple(msg.image_sha256), msg.model_id, regions,
                             msg.requested_by, int(msg.request_nonce))


def thermal_observation(msg: Any) -> ThermalObservation:
    """fracturescope_msgs/ThermalAssessment."""
    spots = tuple({**_box(box), 'excess_k': round(float(k), 3)}
                  for box, k in zip(msg.hot_spots, msg.hot_spot_excess_k, strict=False))
    return ThermalObservation(stamp_ns(msg.header.stamp), msg.label, bool(msg.alert),
                              float(msg.anomaly_probability), float(msg.max_temperature_c), msg.installation_id,
                              spots, msg.image_sha256, msg.model_id)


def thermal_sample(msg: Any) -> tuple:
    """fracturescope_msgs/ThermalAssessment -> TelemetryWindow.thermal's arguments (the camera by its image topic)."""
    return (msg.image_topic or msg.header.frame_id, msg.installation_id, msg.label, float(msg.anomaly_probability),
            float(msg.max_temperature_c), len(msg.hot_spots), bool(msg.alert), stamp_ns(msg.header.stamp))


def checkpoint_fields(msg: Any) -> dict[str, Any]:
    """fracturescope_msgs/LedgerCheckpoint as the checkpoint alert's details."""
    return {'tree_size': int(msg.tree_size), 'root_hash': msg.root_hash, 'key_id': msg.key_id,
            'public_key': msg.public_key, 'signature': bytes(msg.signature).hex(),
            'timestamp_ns': stamp_ns(msg.timestamp)}


def consistency(response: Any, first_size: int) -> dict[str, Any] | None:
    """fracturescope_msgs/GetConsistencyProof response from `first_size` -> the checkpoint alert's consistency
    field (None: the ledger gave no proof)."""
    if not response.success:
        return None
    return {'first_size': first_size, 'first_root_hash': response.first_root_hash, 'proof': list(response.proof)}


def block_key(msg: Any) -> tuple[str, int, str]:
    """fracturescope_msgs/LedgerBlock -> (record type, source stamp ns, first image SHA-256): what an alert matches."""
    return msg.record_type, stamp_ns(msg.source_stamp), msg.image_sha256[0] if msg.image_sha256 else ''


def thumbnail_source(msg: Any) -> np.ndarray:
    """The camera frame as BGR, what the thumbnail encoder takes; ValueError when it is no readable image."""
    try:
        rgb = as_rgb(msg)
    except ImageConversionError as error:
        raise ValueError(str(error)) from error
    return np.ascontiguousarray(rgb[..., ::-1])
