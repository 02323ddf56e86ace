from dataclasses import replace
import math

from fracturescope_common.operator_commands import (
    ESTOP,
    INSPECT_AGAIN,
    MANUAL,
    RESUME,
    SET_STANDARD,
    STOP,
    CommandFields,
)
from fracturescope_control.loop import ControlLoop, LoopConfig, Mode
from fracturescope_control.operator import obey
from fracturescope_control.output_limits import OutputLimits
from fracturescope_control.pid import PidController, PidParameters

LOOP = LoopConfig(OutputLimits(0.0, 50.0, 5.0), 0.2, 0.5, (0.0, 0.0), (30.0, 30.0), (250.0, 1750.0))
PID = PidParameters(0.01, 0.3, 0.005, 0.2, 0.5, 1.0, 1.0, 0.2, 1.0)
COMMAND = CommandFields(STOP, (), 'control', 'alice', 0, 1, b'x' * 64)


def test_each_command_reaches_the_loop():
    loop = ControlLoop(PidController(PID), LOOP)
    assert obey(loop, COMMAND, 0.0).ok and loop.operator_mode == Mode.HOLD
    result = obey(loop, replace(COMMAND, command=MANUAL, args=(70.0, 20.0)), 0.0)
    assert result.ok and loop.manual_output == (50.0, 20.0) and 'within limits' in result.detail
    result = obey(loop, replace(COMMAND, command=SET_STANDARD, args=(260.0, 1760.0)), 0.0)
    assert result.ok and loop.standard == (260.0, 1760.0)
    estop = obey(loop, replace(COMMAND, command=ESTOP), 0.0)
    assert estop.ok and estop.write_now is not None and estop.write_now.mode == Mode.ESTOP
    assert (estop.write_now.f_left_hz, estop.write_now.f_right_hz) == (0.0, 0.0)
    assert obey(loop, replace(COMMAND, command=RESUME), 0.0).ok and loop.operator_mode == Mode.AUTO


def test_inapplicable_commands_change_nothing():
    loop = ControlLoop(PidController(PID), LOOP)
    for fields in (replace(COMMAND, command=MANUAL, args=(30.0,)),
                   replace(COMMAND, command=MANUAL, args=(math.nan, 30.0)),
                   replace(COMMAND, command=SET_STANDARD, args=(1760.0, 260.0)),
                   replace(COMMAND, command=INSPECT_AGAIN)):
        result = obey(loop, fields, 0.0)
        assert not result.ok and result.write_now is None
    assert loop.operator_mode == Mode.AUTO and loop.standard == (250.0, 1750.0)
