"""The contract of /diagnostics: what a node must fill in, and a reader that never turns a missing key into 0."""

from enum import StrEnum
import math

from diagnostic_msgs.msg import DiagnosticStatus, KeyValue
from fracturescope_common.diagnostics_contract import (
    ContractError,
    Family,
    NodeContract,
    count,
    flag,
    number,
    optional_count,
    status_name,
    text,
)
import pytest


class Reason(StrEnum):
    STOP = 'stop'
    STALE = 'stale'


MODE, RATE, CONNECTED, STATE = text('mode'), number('rate_hz', '.1f'), flag('plc_connected'), optional_count('state')
WRITES = count('writes')
HOLD = Family('hold_', tuple(Reason))
LABEL = Family('label_')
CONTRACT = NodeContract('control', (MODE, RATE, CONNECTED, STATE), (WRITES, *HOLD.keys))
VALUES = {MODE: 'AUTO', RATE: 4.96, CONNECTED: True, STATE: None}
COUNTERS = {'writes': 3, 'hold_stop': 0, 'hold_stale': 2}


def built():
    return CONTRACT.status('/robot1/control', 1, 'stale: no edge', VALUES, COUNTERS)


def test_a_status_carries_every_declared_key_rendered_and_reads_back_typed():
    status = built()
    assert {kv.key: kv.value for kv in status.values} == {
        'mode': 'AUTO', 'rate_hz': '5.0', 'plc_connected': 'True', 'state': '', 'writes': '3', 'hold_stop': '0',
        'hold_stale': '2'}
    reading = CONTRACT.read(status)
    assert (reading.name, reading.level, reading.message) == ('/robot1/control', 1, 'stale: no edge')
    assert reading[MODE] == 'AUTO' and reading[RATE] == 5.0 and reading[CONNECTED] is True
    assert reading[STATE] is None and reading[WRITES] == 3
    assert reading[HOLD[Reason.STALE]] == 2 and reading.family(HOLD) == {'stop': 0, 'stale': 2}


def test_the_node_must_fill_exactly_the_declared_keys():
    with pytest.raises(ContractError, match=r"missing \['rate_hz'\], undeclared \[\]"):
        CONTRACT.status('/control', 0, 'ok', {k: v for k, v in VALUES.items() if k is not RATE}, COUNTERS)
    with pytest.raises(ContractError, match=r"undeclared \['gamma'\]"):
        CONTRACT.status('/control', 0, 'ok', {**VALUES, number('gamma'): 1.0}, COUNTERS)
    with pytest.raises(ContractError, match=r"counters: missing \['hold_stop'\]"):
        CONTRACT.status('/control', 0, 'ok', VALUES, {'writes': 3, 'hold_stale': 2})


def _without(status, key):
    return DiagnosticStatus(level=status.level, name=status.name, message=status.message,
                            values=[kv for kv in status.values if kv.key != key])


def _with(status, key, value):
    return DiagnosticStatus(level=status.level, name=status.name, message=status.message,
                            values=[KeyValue(key=kv.key, value=value if kv.key == key else kv.value)
                                    for kv in status.values])


def test_a_missing_key_is_an_error_never_0():
    with pytest.raises(ContractError, match="/robot1/control: no key 'hold_stop'"):
        CONTRACT.read(_without(built(), 'hold_stop'))


@pytest.mark.parametrize('key, value', [('writes', '3.5'), ('writes', ''), ('rate_hz', 'fast'),
                                        ('plc_connected', 'true'), ('state', 'x')])
def test_a_value_of_the_wrong_type_is_an_error(key, value):
    with pytest.raises(ContractError, match=f'{key}=.* does not parse'):
        CONTRACT.read(_with(built(), key, value))


def test_a_family_builds_keys_only_for_its_vocabulary():
    assert HOLD[Reason.STOP].name == 'hold_stop' and HOLD['stale'].name == 'hold_stale'
    with pytest.raises(ContractError, match=r"'invalid' is not among hold_<stop\|stale>"):
        assert HOLD['invalid']
    with pytest.raises(ContractError, match='no vocabulary bound'):
        assert LABEL.keys


def test_a_family_known_only_to_the_node_is_read_whole_and_must_not_be_absent():
    bound = LABEL.of(['crack', 'none'])
    contract = NodeContract('defect_detector', (), bound.keys)
    status = contract.status('/defect_detector', 0, 'ok', {}, {'label_crack': 2, 'label_none': 5})
    observer = NodeContract('defect_detector', (), ())   # the observer does not know the model card
    assert observer.read(status).family(LABEL) == {'crack': 2, 'none': 5}
    with pytest.raises(ContractError, match='no label_<...> key'):
        observer.read(_without(_without(status, 'label_crack'), 'label_none')).family(LABEL)


def test_a_key_declared_twice_is_refused_and_names_are_fully_qualified():
    with pytest.raises(ContractError, match=r"declared twice: \['writes'\]"):
        NodeContract('control', (count('writes'),), (WRITES,))
    assert status_name('control') == '/control' and status_name('control', '/robot1/') == '/robot1/control'
    assert math.isnan(CONTRACT.read(_with(built(), 'rate_hz', 'nan'))[RATE])
