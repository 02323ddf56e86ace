import hashlib
import math

from fracturescope_ledger.block import InvalidRecord, make_block
from fracturescope_ledger.checkpoint import CheckpointSigner
from fracturescope_ledger.messages import (
    block_message,
    checkpoint_message,
    record_from_detection,
    record_from_edge_measurement,
    record_from_thermal_assessment,
)
import pytest
from sensor_msgs.msg import RegionOfInterest

from fracturescope_msgs.msg import DefectDetection, DefectRegion, EdgeMeasurement, ThermalAssessment

DIGEST = hashlib.sha256(b'frame').hexdigest()


def detection(**changes):
    msg = DefectDetection(label='leak', confidence=0.8, class_names=['crack', 'leak'], scores=[0.2, 0.8],
                          anomaly_score=0.1, anomaly_threshold=0.7, image_sha256=[DIGEST, DIGEST],
                          location='pier-3', model_id='m@1', inference_ms=6.5)
    msg.header.stamp.sec, msg.header.stamp.nanosec = 12, 345
    for key, value in changes.items():
        setattr(msg, key, value)
    return msg


def test_detection_record_carries_prediction_scores_inputs_and_place():
    record = record_from_detection(detection())
    assert record.record_type == 'defect'
    assert record.source_stamp_ns == 12_000_000_345
    assert record.image_sha256 == (bytes.fromhex(DIGEST),) * 2
    assert (record.label, record.location, record.model_id) == ('leak', 'pier-3', 'm@1')
    assert math.isclose(record.confidence, 0.8, rel_tol=1e-6)
    names = [name for name, _ in record.values]
    assert names == ['score_crack', 'score_leak', 'anomaly_score', 'anomaly_threshold', 'inference_ms', 'regions']


def test_regions_are_recorded_box_class_and_scores():
    crack = DefectRegion(roi=RegionOfInterest(x_offset=10, y_offset=20, width=160, height=80), label='leak',
                         confidence=0.9, anomaly_score=0.2)
    unknown = DefectRegion(roi=RegionOfInterest(x_offset=400, y_offset=0, width=160, height=160), label='anomaly',
                           confidence=0.95, anomaly_score=0.95, is_anomaly=True)
    values = dict(record_from_detection(detection(regions=[crack, unknown])).values)
    assert values['regions'] == 2.0
    assert [values[f'region0_{k}'] for k in ('x_px', 'y_px', 'width_px', 'height_px', 'class')] == [10, 20, 160, 80, 1]
    assert values['region1_class'] == -1.0 and math.isclose(values['region1_anomaly_score'], 0.95, rel_tol=1e-6)
    stray = DefectRegion(roi=RegionOfInterest(), label='graffiti', confidence=0.5)
    with pytest.raises(InvalidRecord, match='region 0 label'):
        record_from_detection(detection(regions=[stray]))


def test_position_recorded_when_it_has_a_frame():
    msg = detection()
    msg.position.header.frame_id = 'map'
    msg.position.point.x, msg.position.point.y = 1.5, -2.0
    values = dict(record_from_detection(msg).values)
    assert values['position_x_m'] == 1.5 and values['position_y_m'] == -2.0


@pytest.mark.parametrize('changes, message', [
    ({'image_sha256': ['abc']}, 'image_sha256\\[0\\] has 3 characters'),
    ({'image_sha256': ['z' * 64]}, 'not hexadecimal'),
    ({'scores': [1.0]}, '2 class_names but 1 scores'),
])
def test_malformed_detections_are_rejected_with_the_reason(changes, message):
    with pytest.raises(InvalidRecord, match=message):
        record_from_detection(detection(**changes))


def test_edge_measurement_record():
    msg = EdgeMeasurement(status=EdgeMeasurement.STATUS_REPAIRED, left_mm=100.0, right_mm=1900.0, width_mm=1800.0,
                          image_sha256=DIGEST)
    record = record_from_edge_measurement(msg, 'line-1', 'edge-eye@1')
    assert (record.record_type, record.label, record.confidence) == ('edge', 'repaired', 0.5)
    assert dict(record.values)['width_mm'] == 1800.0
    with pytest.raises(InvalidRecord, match='non-finite'):
        record_from_edge_measurement(EdgeMeasurement(left_mm=math.nan, image_sha256=DIGEST), 'l', 'm')
    with pytest.raises(InvalidRecord, match='status 9'):
        record_from_edge_measurement(EdgeMeasurement(status=9, image_sha256=DIGEST), 'l', 'm')


def assessment(**changes):
    msg = ThermalAssessment(label='anomaly', class_names=['cold', 'warm', 'hot', 'anomaly'],
                            probabilities=[0.05, 0.05, 0.1, 0.8], anomaly_probability=0.8, alert_threshold=0.7,
                            alert=True, max_temperature_c=88.5, image_sha256=DIGEST, model_id='monitor@1',
                            inference_ms=0.4)
    msg.header.stamp.sec = 7
    for key, value in changes.items():
        setattr(msg, key, value)
    return msg


def test_thermal_assessment_record_carries_state_probabilities_alert_and_hottest_pixel():
    record = record_from_thermal_assessment(assessment(), 'line-1/drive-cabinet')
    assert (record.record_type, record.label, record.location, record.model_id) == \
        ('thermal', 'anomaly', 'line-1/drive-cabinet', 'monitor@1')
    assert record.source_stamp_ns == 7_000_000_000 and record.image_sha256 == (bytes.fromhex(DIGEST),)
    assert math.isclose(record.confidence, 0.8, rel_tol=1e-6)   # the probability of the stated label
    values = dict(record.values)
    assert values['alert'] == 1.0 and math.isclose(values['max_temperature_c'], 88.5)
    assert [n for n, _ in record.values][:4] == ['probability_cold', 'probability_warm', 'probability_hot',
                                                 'probability_anomaly']
    record.validate()


@pytest.mark.parametrize('changes, message', [
    ({'probabilities': [1.0]}, '4 class_names but 1 probabilities'),
    ({'label': 'molten'}, "label 'molten' is not one of"),
    ({'image_sha256': ''}, 'has 0 characters'),
])
def test_malformed_assessments_are_rejected_with_the_reason(changes, message):
    with pytest.raises(InvalidRecord, match=message):
        record_from_thermal_assessment(assessment(**changes), 'cabinet')


def test_block_message_holds_the_hashed_bytes(tmp_path):
    block = make_block(3, 5_000_000_001, record_from_detection(detection()), bytes(range(32)))
    msg = block_message(block)
    assert hashlib.sha256(bytes(msg.canonical)).hexdigest() == msg.hash == block.hash.hex()
    assert msg.previous_hash == bytes(range(32)).hex()
    assert (msg.index, msg.timestamp.sec, msg.timestamp.nanosec) == (3, 5, 1)
    assert dict(zip(msg.value_names, msg.values, strict=True))['score_leak'] == pytest.approx(0.8)


def test_checkpoint_message(tmp_path):
    signer = CheckpointSigner.from_key_file(tmp_path / 'key.pem')
    checkpoint = signer.sign(7, bytes(32), 1_000_000_000)
    msg = checkpoint_message(checkpoint)
    assert (msg.tree_size, msg.root_hash, msg.key_id) == (7, '00' * 32, checkpoint.key_id)
    assert bytes(msg.signature) == checkpoint.signature and msg.public_key == signer.public_key.hex()
    assert checkpoint_message(None).tree_size == 0
