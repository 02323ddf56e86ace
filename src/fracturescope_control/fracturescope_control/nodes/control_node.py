"""Control node: edge measurements in, spreader-roll setpoints out to the PLC over Modbus TCP, operator commands
obeyed only when signed by a trusted key (loop: loop.py, controllers: msnf.py / pid.py, PLC: plc_client.py)."""

import math

from builtin_interfaces.msg import Time as StampMsg
from fracturescope_common.clocks import decision_clock
from fracturescope_common.command_receiver import CommandReceiver, command_verifier
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.event_loop import EventLoopThread
from fracturescope_common.health import Health, Level
from fracturescope_common.log_throttle import LogThrottle
from fracturescope_common.node_main import run_node
from fracturescope_common.operator_commands import COMMAND_NAMES, INSPECT_AGAIN
from fracturescope_common.params import declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_common.register_map import RegisterMap
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from rclpy.subscription import MessageInfo
from rclpy.time import Time

from fracturescope_control.configuration import make_loop, output_limits
from fracturescope_control.diagnostics_contract import (
    CONTROL,
    HOLD,
    NOT_APPLICABLE,
    OBEYED,
    PLC_WRITE_MISSED,
    REFUSED,
    REFUSED_OUT_OF_RANGE,
    control_values,
)
from fracturescope_control.loop import Measurement, Mode, Output
from fracturescope_control.nodes.control_node_parameters import PARAMETERS
from fracturescope_control.operator import obey
from fracturescope_control.output_limits import HoldReason
from fracturescope_control.plc_client import PlcClient, PlcStatus
from fracturescope_control.setpoint_link import SetpointLink
from fracturescope_control.slot_pacer import SlotPacer
from fracturescope_msgs.msg import EdgeMeasurement, OperatorCommand, RollCommand

USABLE = (EdgeMeasurement.STATUS_OK, EdgeMeasurement.STATUS_REPAIRED)
CLOCK_CHECK_S = 0.01   # a slot no measurement started begins at most this long after slot_late_s
ERROR_HOLDS = {
    HoldReason.UNCONFIRMED: 'holding at the steering bound: the edge measurements do not show the sheet following '
                            'the rolls (spoofed or broken measurements?)',
    HoldReason.REFUSED: 'holding: the newest edge measurements were refused as implausible',
    HoldReason.LOST: 'no usable edge measurement for lost_timeout_s: rolls going to the lost-edge output',
}


class ControlNode(Node):
    def __init__(self) -> None:
        super().__init__(CONTROL.node)
        self._p = p = declare_parameters(self, PARAMETERS)
        self._health = Health(CONTROL.counters)
        self._loop = make_loop(p)
        self._now_s = decision_clock(self)  # steady, or /clock under use_sim_time
        self._commands = CommandReceiver(command_verifier(p, self.get_logger().error), p.command_target,
                                         set(COMMAND_NAMES) - {INSPECT_AGAIN}, self._health,
                                         self.get_logger().warning)
        self._plc = PlcClient(RegisterMap.from_yaml(p.register_map_path), p.plc_host, p.plc_port, output_limits(p),
                              p.plc_timeout_s, p.reconnect_min_s, p.reconnect_max_s)
        self._io = EventLoopThread('control-modbus')
        self._io.start()
        self._io.submit(self._plc.run())
        self._link = SetpointLink(self._exchange, self._written)   # the tick never waits on the PLC
        self._last: Output | None = None
        self._refusal_log = LogThrottle(1.0)   # a line per refusal reason and second
        self._stamp = None
        self._pub = self.create_publisher(RollCommand, 'roll_command', RELIABLE_EVENTS)
        self.create_subscription(EdgeMeasurement, 'edges', self._on_edges, RELIABLE_EVENTS)
        # Own groups: an e-stop is not queued behind a tick.
        self.create_subscription(OperatorCommand, 'operator/command', self._on_command, RELIABLE_EVENTS,
                                 callback_group=MutuallyExclusiveCallbackGroup())
        self._pacer = SlotPacer(p.period_s, p.slot_early_s, p.slot_late_s)
        self._timer = self.create_timer(CLOCK_CHECK_S, self._on_clock, callback_group=MutuallyExclusiveCallbackGroup())
        self._diagnostics = DiagnosticsReporter(self, CONTROL, self._health, self._values, self._state,
                                                p.diagnostics_period_s)
        self.get_logger().info(f'{p.controller} control at {1 / p.period_s:g} Hz, PLC {p.plc_host}:{p.plc_port}, '
                               f'trusted operators: {", ".join(self._commands.verifier.issuers) or "none"}')

    def _on_edges(self, msg: EdgeMeasurement, info: MessageInfo) -> None:
        now_s = self._now_s()
        age_s = (self.get_clock().now() - Time.from_msg(msg.header.stamp)).nanoseconds * 1e-9
        gid = info.get('publisher_gid')
        refusal = self._loop.measure(Measurement(msg.left_mm, msg.right_mm, msg.status in USABLE, now_s,
                                                 stamp_s=now_s - age_s,
                                                 source=bytes(gid['data']).hex() if gid else ''))
        if refusal is None:
            self._stamp = msg.header.stamp
            if msg.status in USABLE and self._pacer.on_measurement(now_s):
                self._tick()   # the write answers this frame, not one a frame interval old
        else:
            self._health.problem(REFUSED[refusal], f'edge measurement refused: {refusal}', Level.ERROR)
            self._refusal_log.log(refusal, self.get_logger().error, f'edge measurement refused: {refusal}')

    def _on_clock(self) -> None:
        if self._pacer.on_clock(self._now_s()):
            self._tick()

    def _tick(self) -> None:
        self._send(self._loop.tick(self._now_s()))

    def _on_command(self, msg: OperatorCommand) -> None:
        command = self._commands.receive(msg)
        if command is None:
            return
        result = obey(self._loop, command, self._now_s())
        self._health.count(OBEYED[command.name] if result.ok else NOT_APPLICABLE)
        self.get_logger().info(f'{command.issuer}: {result.detail}')
        if result.write_now is not None:
            self._send(result.write_now)  # e-stop: sent now, not at the next tick

    def _send(self, out: Output) -> None:
        entered = self._last is None or self._last.hold_reason != out.hold_reason
        if out.hold_reason in ERROR_HOLDS:   # held as ERROR while it lasts, counted once per entry
            self._health.problem(HOLD[out.hold_reason], ERROR_HOLDS[out.hold_reason], Level.ERROR, n=int(entered))
            if entered:
                self.get_logger().error(ERROR_HOLDS[out.hold_reason])
        elif out.mode == Mode.HOLD and entered:
            self._health.count(HOLD[out.hold_reason])
        self._last = out
        # with the stamp of the measurement it answers, taken now: a newer one may arrive before the write is done
        self._io.loop.call_soon_threadsafe(self._link.offer, (out, self._stamp))

    async def _exchange(self, offered: tuple[Output, StampMsg | None]) -> tuple[PlcStatus | None, bool]:
        """On the Modbus loop: write the output; the PLC's status (None when not written) and whether it was refused
        as out of range."""
        out = offered[0]
        refused_before = self._plc.counters.refused_out_of_range
        status = await self._plc.exchange(out.f_left_hz, out.f_right_hz, int(out.mode))
        return status, self._plc.counters.refused_out_of_range > refused_before

    def _written(self, offered: tuple[Output, StampMsg | None], result: tuple[PlcStatus | None, bool]) -> None:
        """On the Modbus loop, after each exchange: its outcome on /diagnostics and roll_command."""
        (out, stamp), (status, refused) = offered, result
        if status is None and self._plc.counters.connects:  # per missed write (not while first connecting)
            self._health.problem(REFUSED_OUT_OF_RANGE if refused else PLC_WRITE_MISSED, self._plc.last_error
                                 or 'PLC not connected', Level.ERROR)
        elif status is not None:
            self._health.resolved(PLC_WRITE_MISSED)   # current again at the next report, not 10 s later
        msg = RollCommand(mode=int(out.mode), controller=self._p.controller, f_left_hz=out.f_left_hz,
                          f_right_hz=out.f_right_hz, error_left_mm=out.error_left_mm,
                          error_right_mm=out.error_right_mm, written_to_plc=status is not None)
        msg.header.stamp = stamp if out.mode == Mode.AUTO and stamp else self.get_clock().now().to_msg()
        publish_or_report(self._pub, msg, self._health, self.get_logger())

    def _state(self) -> str:
        mode = self._last.mode.name if self._last else 'starting'
        plc = 'PLC connected' if self._plc.connected else f'PLC NOT connected ({self._plc.last_error})'
        return f'{mode}, {plc}'

    def _values(self) -> dict[Key, object]:
        return control_values(self._p.controller, self._last, getattr(self._loop.controller, 'gamma', math.nan),
                              self._plc, self._commands.verifier.issuers)

    def destroy_node(self) -> None:
        if hasattr(self, '_io'):
            self._io.stop()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    run_node(ControlNode, 'control', args)


if __name__ == '__main__':
    main()
