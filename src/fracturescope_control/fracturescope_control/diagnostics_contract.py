"""The control node's /diagnostics (see fracturescope_common.diagnostics_contract): every key it publishes, and
the values it reports from the loop's last output and the PLC client. Plain Python: tested without a node."""

from collections.abc import Iterable

from fracturescope_common.command_receiver import COMMANDS_FOR_OTHERS, REJECTED
from fracturescope_common.diagnostics_contract import (
    Family,
    Key,
    NodeContract,
    count,
    flag,
    number,
    optional_count,
    text,
)
from fracturescope_common.operator_commands import COMMAND_NAMES, INSPECT_AGAIN
from fracturescope_common.publishing import PUBLISH_FAILED

from fracturescope_control.loop import Output
from fracturescope_control.measurement_guard import Refusal
from fracturescope_control.output_limits import HoldReason
from fracturescope_control.plc_client import PlcClient

CONTROLLER, MODE, HOLD_REASON = text('controller'), text('mode'), text('hold_reason')
F_LEFT, F_RIGHT, GAMMA = number('f_left_hz'), number('f_right_hz'), number('gamma')  # NaN: none yet / no gamma
TRUSTED_OPERATORS = text('trusted_operators')
PLC_CONNECTED, PLC_ADDRESS, PLC_LAST_ERROR = flag('plc_connected'), text('plc'), text('plc_last_error')
PLC_CONNECTS, PLC_CONNECT_FAILURES = count('plc_connects'), count('plc_connect_failures')
PLC_WRITES, PLC_WRITE_FAILURES = count('plc_writes'), count('plc_write_failures')
PLC_REFUSED_OUT_OF_RANGE = count('plc_refused_out_of_range')   # the client's own count, since it started
PLC_WRITE_RATE = number('plc_write_rate_hz', '.2f')
PLC_STATE, PLC_ALARMS = optional_count('plc_state'), optional_count('plc_alarms')  # empty until the PLC answers

NOT_APPLICABLE = count('rejected_not_applicable')    # authenticated, but not a command the loop can apply
OBEYED = Family('obeyed_', tuple(name for code, name in COMMAND_NAMES.items() if code != INSPECT_AGAIN))
HOLD = Family('hold_', tuple(HoldReason))             # entries into HOLD, by reason
REFUSED = Family('refused_', tuple(Refusal))          # edge measurements refused by measurement_guard.py, by reason
REFUSED_OUT_OF_RANGE, PLC_WRITE_MISSED = count('refused_out_of_range'), count('plc_write_missed')

CONTROL = NodeContract(
    'control',
    values=(CONTROLLER, MODE, HOLD_REASON, F_LEFT, F_RIGHT, GAMMA, TRUSTED_OPERATORS, PLC_CONNECTED, PLC_ADDRESS,
            PLC_CONNECTS, PLC_CONNECT_FAILURES, PLC_WRITES, PLC_WRITE_FAILURES, PLC_REFUSED_OUT_OF_RANGE,
            PLC_WRITE_RATE, PLC_STATE, PLC_ALARMS, PLC_LAST_ERROR),
    counters=(COMMANDS_FOR_OTHERS, *REJECTED.keys, NOT_APPLICABLE, *OBEYED.keys, *HOLD.keys, *REFUSED.keys,
              REFUSED_OUT_OF_RANGE, PLC_WRITE_MISSED, PUBLISH_FAILED),
)

# The line as RViz markers (line_markers.py).
MARKERS_PUBLISHED = count('markers_published')
LINE_MARKERS = NodeContract('line_markers', values=(), counters=(MARKERS_PUBLISHED, PUBLISH_FAILED))


def control_values(controller: str, last: Output | None, gamma: float, plc: PlcClient,
                   trusted_operators: Iterable[str]) -> dict[Key, object]:
    """The values of one report: the loop's last output (None before the first tick) and the PLC link."""
    counters, status = plc.counters, plc.status
    return {
        CONTROLLER: controller, MODE: last.mode.name if last else '', HOLD_REASON: (last and last.hold_reason) or '',
        F_LEFT: last.f_left_hz if last else float('nan'), F_RIGHT: last.f_right_hz if last else float('nan'),
        GAMMA: gamma, TRUSTED_OPERATORS: ','.join(trusted_operators),
        PLC_CONNECTED: plc.connected, PLC_ADDRESS: f'{plc.host}:{plc.port}', PLC_CONNECTS: counters.connects,
        PLC_CONNECT_FAILURES: counters.connect_failures, PLC_WRITES: counters.writes,
        PLC_WRITE_FAILURES: counters.write_failures, PLC_REFUSED_OUT_OF_RANGE: counters.refused_out_of_range,
        PLC_WRITE_RATE: plc.write_rate_hz(), PLC_STATE: status.plc_state if status else None,
        PLC_ALARMS: status.alarms if status else None, PLC_LAST_ERROR: plc.last_error,
    }
