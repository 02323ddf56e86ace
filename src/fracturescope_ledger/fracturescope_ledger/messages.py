"""Ledger records from detection / measurement messages, and ledger blocks / checkpoints as messages."""

from collections.abc import Sequence
import math

from fracturescope_common.stamps import from_ns, to_ns

from fracturescope_ledger.block import Block, InvalidRecord, LedgerRecord
from fracturescope_ledger.checkpoint import Checkpoint
from fracturescope_msgs.msg import (
    DefectDetection,
    EdgeMeasurement,
    LedgerBlock,
    LedgerCheckpoint,
    ThermalAssessment,
)

# The record types this module makes: one per recorded message type.
DEFECT, EDGE, THERMAL = RECORD_TYPES = ('defect', 'edge', 'thermal')
EDGE_STATUS_LABELS = {
    EdgeMeasurement.STATUS_OK: 'ok',
    EdgeMeasurement.STATUS_REPAIRED: 'repaired',
    EdgeMeasurement.STATUS_UNRECOGNISED: 'unrecognised',
    EdgeMeasurement.STATUS_NO_MATERIAL: 'no_material',
}
# An edge measurement has no class probability; its confidence states how far the value is a measurement:
# tracked (1), repaired from the regression width (0.5, paper eq. 9), or no value (0).
EDGE_STATUS_CONFIDENCE = {'ok': 1.0, 'repaired': 0.5, 'unrecognised': 0.0, 'no_material': 0.0}


def sha256_from_hex(hex_digests: Sequence[str]) -> tuple[bytes, ...]:
    digests = []
    for i, text in enumerate(hex_digests):
        if len(text) != 64:
            raise InvalidRecord(f'image_sha256[{i}] has {len(text)} characters, expected 64 hex characters')
        try:
            digests.append(bytes.fromhex(text))
        except ValueError:
            raise InvalidRecord(f'image_sha256[{i}] is not hexadecimal: {text!r}') from None
    return tuple(digests)


def record_from_detection(msg: DefectDetection) -> LedgerRecord:
    """The ledger record of one defect detection: prediction, scores, anomaly score, inputs, place."""
    if len(msg.class_names) != len(msg.scores):
        raise InvalidRecord(f'{len(msg.class_names)} class_names but {len(msg.scores)} scores')
    values = [(f'score_{name}', float(score)) for name, score in zip(msg.class_names, msg.scores, strict=True)]
    values += [
        ('anomaly_score', float(msg.anomaly_score)),
        ('anomaly_threshold', float(msg.anomaly_threshold)),
        ('inference_ms', float(msg.inference_ms)),
    ]
    if msg.position.header.frame_id:
        point = msg.position.point
        values += [('position_x_m', point.x), ('position_y_m', point.y), ('position_z_m', point.z)]
    values += region_values(msg)
    return LedgerRecord(
        record_type=DEFECT,
        source_stamp_ns=to_ns(msg.header.stamp),
        location=msg.location,
        image_sha256=sha256_from_hex(msg.image_sha256),
        label=msg.label,
        confidence=float(msg.confidence),
        model_id=msg.model_id,
        values=tuple(values),
    )


def region_values(msg: DefectDetection) -> list[tuple[str, float]]:
    """Defect regions as named values: `regions` (count), then per region i its pixel box, class (index into
    class_names; -1 for an anomaly), confidence and anomaly score."""
    values: list[tuple[str, float]] = [('regions', float(len(msg.regions)))]
    for i, region in enumerate(msg.regions):
        if region.is_anomaly:
            label_index = -1
        elif region.label in msg.class_names:
            label_index = list(msg.class_names).index(region.label)
        else:
            raise InvalidRecord(f'region {i} label {region.label!r} is not one of class_names nor an anomaly')
        roi = region.roi
        values += [(f'region{i}_x_px', float(roi.x_offset)), (f'region{i}_y_px', float(roi.y_offset)),
                   (f'region{i}_width_px', float(roi.width)), (f'region{i}_height_px', float(roi.height)),
                   (f'region{i}_class', float(label_index)), (f'region{i}_confidence', float(region.confidence)),
                   (f'region{i}_anomaly_score', float(region.anomaly_score))]
    return values


def record_from_edge_measurement(msg: EdgeMeasurement, location: str, model_id: str) -> LedgerRecord:
    """The ledger record of one sheet-edge measurement (positions in mm)."""
    label = EDGE_STATUS_LABELS.get(msg.status)
    if label is None:
        raise InvalidRecord(f'edge status {msg.status} is not one of {sorted(EDGE_STATUS_LABELS)}')
    values = (
        ('left_mm', msg.left_mm),
        ('right_mm', msg.right_mm),
        ('width_mm', msg.width_mm),
        ('processing_ms', float(msg.processing_ms)),
    )
    if label in ('ok', 'repaired') and not all(math.isfinite(v) for _, v in values[:3]):
        raise InvalidRecord(f'edge status {label} with non-finite positions')
    return LedgerRecord(
        record_type=EDGE,
        source_stamp_ns=to_ns(msg.header.stamp),
        location=location,
        image_sha256=sha256_from_hex([msg.image_sha256]),
        label=label,
        confidence=EDGE_STATUS_CONFIDENCE[label],
        model_id=model_id,
        values=values,
    )


def record_from_thermal_assessment(msg: ThermalAssessment, location: str) -> LedgerRecord:
    """The ledger record of one equipment thermal assessment: state, probabilities, alert, hottest pixel, hot spots
    (box and excess). Recorded under the assessment's installation id when it names one, else `location`."""
    if len(msg.class_names) != len(msg.probabilities):
        raise InvalidRecord(f'{len(msg.class_names)} class_names but {len(msg.probabilities)} probabilities')
    if len(msg.hot_spots) != len(msg.hot_spot_excess_k):
        raise InvalidRecord(f'{len(msg.hot_spots)} hot spots but {len(msg.hot_spot_excess_k)} excess values')
    if msg.label not in msg.class_names:
        raise InvalidRecord(f'label {msg.label!r} is not one of the assessment\'s classes {list(msg.class_names)}')
    values = [(f'probability_{name}', float(p)) for name, p in zip(msg.class_names, msg.probabilities, strict=True)]
    values += [
        ('anomaly_probability', float(msg.anomaly_probability)),
        ('alert_threshold', float(msg.alert_threshold)),
        ('alert', 1.0 if msg.alert else 0.0),
        ('max_temperature_c', float(msg.max_temperature_c)),
        ('inference_ms', float(msg.inference_ms)),
    ]
    for i, (box, excess) in enumerate(zip(msg.hot_spots, msg.hot_spot_excess_k, strict=True)):
        values += [(f'hot_spot_{i}_x', float(box.x_offset)), (f'hot_spot_{i}_y', float(box.y_offset)),
                   (f'hot_spot_{i}_width', float(box.width)), (f'hot_spot_{i}_height', float(box.height)),
                   (f'hot_spot_{i}_excess_k', float(excess))]
    return LedgerRecord(
        record_type=THERMAL,
        source_stamp_ns=to_ns(msg.header.stamp),
        location=msg.installation_id or location,
        image_sha256=sha256_from_hex([msg.image_sha256]),
        label=msg.label,
        confidence=float(msg.probabilities[list(msg.class_names).index(msg.label)]),
        model_id=msg.model_id,
        values=tuple(values),
    )


def block_message(block: Block) -> LedgerBlock:
    record = block.record
    return LedgerBlock(
        index=block.index,
        timestamp=from_ns(block.timestamp_ns),
        record_type=record.record_type,
        source_stamp=from_ns(record.source_stamp_ns),
        location=record.location,
        image_sha256=[digest.hex() for digest in record.image_sha256],
        label=record.label,
        confidence=record.confidence,
        model_id=record.model_id,
        value_names=[name for name, _ in record.values],
        values=[value for _, value in record.values],
        previous_hash=block.previous_hash.hex(),
        hash=block.hash.hex(),
        canonical=block.canonical,
    )


def checkpoint_message(checkpoint: Checkpoint | None) -> LedgerCheckpoint:
    """The checkpoint as a message; an empty message (tree_size 0) when there is none yet."""
    if checkpoint is None:
        return LedgerCheckpoint()
    return LedgerCheckpoint(
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash.hex(),
        timestamp=from_ns(checkpoint.timestamp_ns),
        key_id=checkpoint.key_id,
        public_key=checkpoint.public_key.hex(),
        signature=checkpoint.signature,
    )
