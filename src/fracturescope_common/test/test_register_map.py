from pathlib import Path

from fracturescope_common.register_map import Register, RegisterMap, decode_value, encode_value
import pytest

MAP = RegisterMap.from_yaml(Path(__file__).resolve().parents[3] / 'config' / 'plc_registers.yaml')


def test_float32_is_two_registers_high_word_first():
    assert encode_value('float32', 1.0) == [0x3F80, 0x0000]
    assert decode_value('float32', [0x3F80, 0x0000]) == 1.0
    assert encode_value('uint16', 65537) == [1]


def test_group_write_and_read_of_the_shipped_map():
    start, words = MAP.encode({'f_left_setpoint_hz': 30.5, 'f_right_setpoint_hz': 29.5, 'controller_mode': 2,
                               'heartbeat': 7})
    assert start == 0 and len(words) == 6
    assert MAP.decode(0, words, ['f_right_setpoint_hz', 'heartbeat']) == {'f_right_setpoint_hz': 29.5, 'heartbeat': 7}
    assert MAP.span(['left_edge_mm', 'writes_clamped']) == (16, 11)
    with pytest.raises(ValueError):
        MAP.encode({'f_left_setpoint_hz': 1.0, 'heartbeat': 1})            # leaves a gap: not one request
    with pytest.raises(ValueError):
        MAP.decode(0, words, ['left_edge_mm'])
    assert MAP.at(5).name == 'heartbeat' and MAP.at(1) is None


def test_overlaps_and_bad_files_are_refused(tmp_path):
    with pytest.raises(ValueError):
        RegisterMap(1, [Register('a', 0, 'float32', True, ''), Register('b', 1, 'uint16', True, '')])
    with pytest.raises(ValueError):
        RegisterMap(1, [Register('a', 0, 'int64', True, '')])
    bad = tmp_path / 'map.yaml'
    bad.write_text('device_id: 1\nregisters:\n  a: {type: uint16}\n')
    with pytest.raises(ValueError):
        RegisterMap.from_yaml(bad)
