"""What an authenticated operator command does to the control loop (authentication: fracturescope_common
.operator_commands). Plain Python: the node verifies, then calls `obey`."""

from dataclasses import dataclass

from fracturescope_common.operator_commands import (
    ESTOP,
    MANUAL,
    RESUME,
    SET_STANDARD,
    STOP,
    CommandFields,
    finite_args,
)

from fracturescope_control.loop import ControlLoop, Output


@dataclass(frozen=True)
class Obeyed:
    ok: bool                     # False: authenticated but not applicable (bad arguments, not for control)
    detail: str
    write_now: Output | None     # an output to write at once instead of at the next tick (e-stop)


def obey(loop: ControlLoop, command: CommandFields, now_s: float) -> Obeyed:
    if command.command == STOP:
        loop.stop()
        return Obeyed(True, 'stop: holding the current output', None)
    if command.command == RESUME:
        loop.resume()
        return Obeyed(True, 'resume: back to automatic control', None)
    if command.command == ESTOP:
        out = loop.estop(now_s)
        return Obeyed(True, f'e-stop: safe output {out.f_left_hz:g} / {out.f_right_hz:g} Hz', out)
    if command.command == MANUAL:
        args = finite_args(command, 2)
        if args is None or not loop.manual(*args):
            return Obeyed(False, f'manual needs two finite frequencies outside an e-stop, got {command.args}', None)
        return Obeyed(True, f'manual: {loop.manual_output[0]:g} / {loop.manual_output[1]:g} Hz (within limits)', None)
    if command.command == SET_STANDARD:
        args = finite_args(command, 2)
        if args is None or not loop.set_standard(*args):
            return Obeyed(False, f'set_standard needs finite left < right in mm, got {command.args}', None)
        return Obeyed(True, f'standard edges now {args[0]:g} / {args[1]:g} mm', None)
    return Obeyed(False, f'{command.name} is not a control command', None)
