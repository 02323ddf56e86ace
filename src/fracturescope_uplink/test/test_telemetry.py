"""The telemetry window: the period's edge alignment (NaN errors of held outputs not averaged), Edge-Eye statuses,
each thermal camera's newest state kept across periods, nothing sent for an empty period; the wire format checked
as the centre reads it."""

from datetime import UTC, datetime
import json
import math

from fracturescope_uplink.telemetry import (
    MAX_CAMERAS,
    MAX_TELEMETRY_BYTES,
    SCHEMA,
    TelemetryWindow,
    decode_telemetry,
    encode_telemetry,
    telemetry_topic,
)
import pytest

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_a_period_sums_up_the_alignment_and_skips_outputs_without_a_measurement():
    window = TelemetryWindow('robot-1')
    window.roll_command('AUTO', 2.0, -1.0, 25.0, 24.0, stamp_ns=10)
    window.roll_command('AUTO', -4.0, 3.0, 26.0, 23.0, stamp_ns=20)
    window.roll_command('HOLD', math.nan, math.nan, 26.0, 23.0, stamp_ns=30)
    window.edge_status('ok')
    window.edge_status('ok')
    window.edge_status('unrecognised')
    message = window.take(2.0, NOW)
    assert message['schema'] == SCHEMA and message['robot_id'] == 'robot-1' and message['stamp_ns'] == 30
    assert message['alignment'] == {'samples': 3, 'measured': 2, 'mean_left_mm': -1.0, 'mean_right_mm': 1.0,
                                    'max_abs_left_mm': 4.0, 'max_abs_right_mm': 3.0, 'mode': 'HOLD',
                                    'modes': {'AUTO': 2, 'HOLD': 1}, 'f_left_hz': 26.0, 'f_right_hz': 23.0}
    assert message['edge_status'] == {'ok': 2, 'unrecognised': 1} and message['thermal'] == []
    assert message['utc'].startswith('2026-11-28T12:00:00')
    assert window.take(2.0, NOW) is None                    # a new period, nothing seen in it: nothing to send


def test_only_held_outputs_give_an_alignment_without_values():
    window = TelemetryWindow('robot-1')
    window.roll_command('ESTOP', math.nan, math.nan, 0.0, 0.0, stamp_ns=5)
    message = window.take(1.0, NOW)
    alignment = message['alignment']
    assert (alignment['samples'], alignment['measured'], alignment['mean_left_mm'], alignment['mode']) == \
        (1, 0, None, 'ESTOP')
    assert json.loads(encode_telemetry(message))['alignment']['max_abs_left_mm'] is None   # JSON null, never NaN


def test_each_thermal_camera_keeps_its_newest_state_across_periods():
    window = TelemetryWindow('robot-1')
    window.thermal('thermal/image', 'boiler-room', 'warm', 0.02, 61.5, 0, False, stamp_ns=1)
    window.thermal('thermal/image', 'boiler-room', 'hot', 0.91, 88.25, 2, True, stamp_ns=2)
    window.thermal('cabinet/thermal', 'cabinet-3', 'cold', 0.01, 21.0, 0, False, stamp_ns=3)
    first = window.take(2.0, NOW)
    assert first['alignment'] is None and first['stamp_ns'] == 3
    assert first['thermal'] == [
        {'camera': 'thermal/image', 'installation_id': 'boiler-room', 'label': 'hot', 'anomaly_probability': 0.91,
         'max_temperature_c': 88.25, 'hot_spots': 2, 'alert': True, 'stamp_ns': 2, 'frames': 2},
        {'camera': 'cabinet/thermal', 'installation_id': 'cabinet-3', 'label': 'cold', 'anomaly_probability': 0.01,
         'max_temperature_c': 21.0, 'hot_spots': 0, 'alert': False, 'stamp_ns': 3, 'frames': 1}]
    window.thermal('cabinet/thermal', 'cabinet-3', 'warm', 0.01, 35.0, 0, False, stamp_ns=4)
    second = window.take(2.0, NOW)
    assert [(t['camera'], t['label'], t['frames']) for t in second['thermal']] == \
        [('thermal/image', 'hot', 0), ('cabinet/thermal', 'warm', 1)]


def test_cameras_beyond_the_limit_are_not_reported():
    window = TelemetryWindow('robot-1')
    for i in range(MAX_CAMERAS + 5):
        window.thermal(f'camera-{i}', '', 'cold', 0.0, 20.0, 0, False, stamp_ns=i)
    message = window.take(1.0, NOW)
    assert len(message['thermal']) == MAX_CAMERAS and len(encode_telemetry(message)) < MAX_TELEMETRY_BYTES


def test_the_wire_format_round_trips_and_a_receiver_refuses_what_is_not_telemetry():
    window = TelemetryWindow('robot-7')
    window.roll_command('AUTO', 1.0, 1.0, 25.0, 25.0, stamp_ns=9)
    message = window.take(2.0, NOW)
    assert decode_telemetry(encode_telemetry(message)) == message
    assert telemetry_topic('robot-7') == 'fracturescope/robot-7/telemetry'
    for payload in (b'\xff', b'[]', b'{"schema": "fracturescope.alert/1"}', b'x' * (MAX_TELEMETRY_BYTES + 1),
                    json.dumps({**message, 'stamp_ns': 'soon'}).encode(),
                    json.dumps({**message, 'alignment': [1, 2]}).encode(),
                    json.dumps({**message, 'thermal': ['hot']}).encode()):
        with pytest.raises(ValueError):
            decode_telemetry(payload)
