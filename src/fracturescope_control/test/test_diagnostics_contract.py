"""The control node's /diagnostics contract: what a fresh node reports, and a key for every reason it counts."""

import math
from pathlib import Path

from fracturescope_common.health import Health
from fracturescope_common.operator_commands import COMMAND_NAMES, Rejection
from fracturescope_common.register_map import RegisterMap
from fracturescope_control.diagnostics_contract import (
    CONTROL,
    F_LEFT,
    HOLD,
    HOLD_REASON,
    MODE,
    OBEYED,
    PLC_CONNECTED,
    PLC_STATE,
    PLC_WRITES,
    REFUSED,
    REJECTED,
    TRUSTED_OPERATORS,
    control_values,
)
from fracturescope_control.loop import Mode, Output
from fracturescope_control.output_limits import HoldReason, OutputLimits
from fracturescope_control.plc_client import PlcClient

REGISTERS = RegisterMap.from_yaml(Path(__file__).resolve().parents[3] / 'config' / 'plc_registers.yaml')


def fresh_client():
    return PlcClient(REGISTERS, '127.0.0.1', 1502, OutputLimits(5.0, 49.9, 5.0), 1.0, 0.1, 1.0)


def test_a_fresh_node_reports_every_declared_key_with_counters_at_0():
    health = Health(CONTROL.counters)
    status = CONTROL.status('/control', 0, 'starting', control_values('pid', None, math.nan, fresh_client(), []),
                            health.counters)
    reading = CONTROL.read(status)
    assert {kv.key for kv in status.values} == {key.name for key in CONTROL.keys}
    assert reading[MODE] == '' and math.isnan(reading[F_LEFT]) and reading[PLC_CONNECTED] is False
    assert reading[PLC_WRITES] == 0 and reading[PLC_STATE] is None and reading[TRUSTED_OPERATORS] == ''
    assert reading.family(HOLD) == {'stop': 0, 'stale': 0, 'invalid': 0, 'refused': 0, 'unconfirmed': 0, 'lost': 0}
    assert set(reading.family(REFUSED).values()) == {0} and 'foreign_source' in reading.family(REFUSED)


def test_a_hold_is_reported_by_its_reason():
    health = Health(CONTROL.counters)
    out = Output(Mode.HOLD, 30.0, 30.0, math.nan, math.nan, HoldReason.STALE)
    health.count(HOLD[out.hold_reason])
    reading = CONTROL.read(CONTROL.status('/robot1/control', 0, 'HOLD', control_values(
        'msnf', out, 0.05, fresh_client(), ['alice', 'bob']), health.counters))
    assert (reading[MODE], reading[HOLD_REASON], reading[F_LEFT]) == ('HOLD', 'stale', 30.0)
    assert reading[HOLD['stale']] == 1 and reading[TRUSTED_OPERATORS] == 'alice,bob'


def test_every_refusal_and_every_obeyable_command_has_its_counter():
    assert {key.name for key in REJECTED.keys} == {f'rejected_{r.value}' for r in Rejection}
    assert set(OBEYED.members) == set(COMMAND_NAMES.values()) - {'inspect_again'}  # that one is for others
