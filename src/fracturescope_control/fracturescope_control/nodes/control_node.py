"""Control node: edge measurements in, spreader-roll setpoints out to the PLC over Modbus TCP, operator commands
obeyed only when signed by a trusted key (loop: loop.py, controllers: msnf.py / pid.py, PLC: plc_client.py)."""

import math

from fracturescope_common.clocks import decision_clock
from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.event_loop import EventLoopThread
from fracturescope_common.health import Health, Level
from fracturescope_common.node_main import run_node
from fracturescope_common.operator_commands import CommandVerifier, fields_of, load_trusted_keys
from fracturescope_common.params import ParameterSpec as P
from fracturescope_common.params import declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_common.register_map import RegisterMap
from fracturescope_common.used_nonces import UsedNonceFile
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from rclpy.parameter import Parameter

from fracturescope_control.configuration import make_loop, output_limits
from fracturescope_control.diagnostics_contract import (
    COMMANDS_FOR_OTHERS,
    CONTROL,
    HOLD,
    NOT_APPLICABLE,
    OBEYED,
    PLC_WRITE_MISSED,
    REFUSED_OUT_OF_RANGE,
    REJECTED,
    control_values,
)
from fracturescope_control.loop import Measurement, Mode, Output
from fracturescope_control.operator import obey
from fracturescope_control.plc_client import PlcClient, PlcStatus
from fracturescope_control.setpoint_link import SetpointLink
from fracturescope_msgs.msg import EdgeMeasurement, OperatorCommand, RollCommand

D, INT, S, B, SA = (Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING, Parameter.Type.BOOL,
                  Parameter.Type.STRING_ARRAY)
PARAMETERS = (
    P('controller', S, 'msnf (seed 002 Algorithm 2) or pid (baseline) (name)'),
    P('period_s', D, 'control period; the paper PLC runs at 5 Hz (s)'),
    P('alpha', D, 'nominal left roll ratio factor of eq. 10 (1)'), P('beta', D, 'nominal right roll ratio factor (1)'),
    P('msnf_gamma_initial', D, 'gamma of eq. 10 before any eq. 12 update (Hz/mm)'),
    P('msnf_gamma_min', D, 'lower bound of the gamma estimate (Hz/mm)'),
    P('msnf_gamma_max', D, 'upper bound of the gamma estimate (Hz/mm)'),
    P('msnf_gamma_forgetting', D, 'eq. 12 least squares: weight kept by past samples per excited slot (1)'),
    P('msnf_gamma_prior_hz2', D, 'weight of msnf_gamma_initial as a prior, in squared roll change (Hz^2)'),
    P('msnf_min_excitation_hz', D, 'seen roll-differential change in a slot needed to update gamma (Hz)'),
    P('msnf_window', INT, 'k: slots of smoothing and of the multi-stage window (slots)'),
    P('msnf_drift_window', INT, 'slots over which the disturbance drift is fitted (slots)'),
    P('msnf_dead_time_slots', D, 'line response model: slots before a roll change shows at the camera (slots)'),
    P('msnf_lag_slots', D, 'line response model: first-order settling after the dead time (slots)'),
    P('msnf_drift_lead_slots', D, 'how far ahead the disturbance drift is extrapolated; 0 turns it off (slots)'),
    P('msnf_max_drift_mm_s', D, 'largest believable disturbance drift; faster estimates are limited to it (mm/s)'),
    P('pid_kp', D, 'PID proportional gain (Hz/mm)'), P('pid_ki', D, 'PID integral gain (Hz/(mm s))'),
    P('pid_kd', D, 'PID derivative gain (Hz s/mm)'), P('pid_derivative_filter_s', D, 'derivative filter (s)'),
    P('pid_tracking_s', D, 'PID anti-windup back-calculation time (s)'),
    P('standard_range_mm', D, 'deadband: |deviation| within which the rolls are held (mm)'),
    P('standard_left_mm', D, 'standard left edge position (mm)'), P('standard_right_mm', D, 'standard right edge (mm)'),
    P('f_min_hz', D, 'lowest roll frequency ever written (Hz)'), P('f_max_hz', D, 'highest roll frequency (Hz)'),
    P('slew_hz_per_s', D, 'largest setpoint change per second outside an e-stop (Hz/s)'),
    P('safe_f_left_hz', D, 'e-stop left output (Hz)'), P('safe_f_right_hz', D, 'e-stop right output (Hz)'),
    P('start_f_left_hz', D, 'left output at start (Hz)'), P('start_f_right_hz', D, 'right output at start (Hz)'),
    P('stale_after_s', D, 'older measurements do not drive the rolls: hold (s)'),
    P('plc_host', S, 'PLC address (host)'), P('plc_port', INT, 'PLC Modbus TCP port (port)'),
    P('register_map_path', S, 'register map of the PLC, config/plc_registers.yaml (path)'),
    P('plc_timeout_s', D, 'Modbus connect / request timeout (s)'),
    P('reconnect_min_s', D, 'first reconnect delay, doubled per failure (s)'),
    P('reconnect_max_s', D, 'longest reconnect delay (s)'),
    P('trusted_operator_keys', SA, 'issuer:key entries, key = 64 hex digits or a .pub / PEM file (list)'),
    P('command_max_age_s', D, 'operator commands older than this are refused (s)'),
    P('command_max_future_s', D, 'allowed clock skew of an operator command ahead of ours (s)'),
    P('command_nonce_memory', INT, 'most nonces remembered within the freshness window (count)'),
    P('used_nonce_file', S, "obeyed commands' nonces kept across restarts; '' = none, then commands issued "
      'before the node started are refused (path)'),
    P('command_target', S, 'target name this node obeys besides "" (name)'),
    P('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)
USABLE = (EdgeMeasurement.STATUS_OK, EdgeMeasurement.STATUS_REPAIRED)


class ControlNode(Node):
    def __init__(self) -> None:
        super().__init__(CONTROL.node)
        self._p = p = declare_parameters(self, PARAMETERS)
        self._health = Health(CONTROL.counters)
        self._loop = make_loop(p)
        self._now_s = decision_clock(self)  # steady, or /clock under use_sim_time
        trusted, unreadable = load_trusted_keys(p.trusted_operator_keys)
        for problem in unreadable:
            self.get_logger().error(f'operator key not loaded, that operator\'s commands will be refused: {problem}')
        self._verifier = CommandVerifier(trusted, p.command_max_age_s, p.command_max_future_s,
                                         p.command_nonce_memory,
                                         used_nonces=UsedNonceFile(p.used_nonce_file) if p.used_nonce_file else None)
        self._plc = PlcClient(RegisterMap.from_yaml(p.register_map_path), p.plc_host, p.plc_port, output_limits(p),
                              p.plc_timeout_s, p.reconnect_min_s, p.reconnect_max_s)
        self._io = EventLoopThread('control-modbus')
        self._io.start()
        self._io.submit(self._plc.run())
        self._link = SetpointLink(self._exchange, self._written)   # the tick never waits on the PLC
        self._last: Output | None = None
        self._stamp = None
        self._pub = self.create_publisher(RollCommand, 'roll_command', RELIABLE_EVENTS)
        self.create_subscription(EdgeMeasurement, 'edges', self._on_edges, RELIABLE_EVENTS)
        # Own groups: an e-stop is not queued behind a tick.
        self.create_subscription(OperatorCommand, 'operator/command', self._on_command, RELIABLE_EVENTS,
                                 callback_group=MutuallyExclusiveCallbackGroup())
        self._timer = self.create_timer(p.period_s, self._tick, callback_group=MutuallyExclusiveCallbackGroup())
        self._diagnostics = DiagnosticsReporter(self, CONTROL, self._health, self._values, self._state,
                                                p.diagnostics_period_s)
        self.get_logger().info(f'{p.controller} control at {1 / p.period_s:g} Hz, PLC {p.plc_host}:{p.plc_port}, '
                               f'trusted operators: {", ".join(self._verifier.issuers) or "none"}')

    def _on_edges(self, msg: EdgeMeasurement) -> None:
        self._stamp = msg.header.stamp
        self._loop.measure(Measurement(msg.left_mm, msg.right_mm, msg.status in USABLE, self._now_s()))

    def _tick(self) -> None:
        self._send(self._loop.tick(self._now_s()))

    def _on_command(self, msg: OperatorCommand) -> None:
        if msg.target not in ('', self._p.command_target) or msg.command == OperatorCommand.INSPECT_AGAIN:
            self._health.count(COMMANDS_FOR_OTHERS)
            return
        command = fields_of(msg)
        verdict = self._verifier.check(command)
        if not verdict.accepted:
            self._health.problem(REJECTED[verdict.reason], verdict.detail)
            self.get_logger().warning(f'operator command refused ({verdict.reason}): {verdict.detail}')
            return
        result = obey(self._loop, command, self._now_s())
        self._health.count(OBEYED[command.name] if result.ok else NOT_APPLICABLE)
        self.get_logger().info(f'{command.issuer}: {result.detail}')
        if result.write_now is not None:
            self._send(result.write_now)  # e-stop: sent now, not at the next tick

    def _send(self, out: Output) -> None:
        if out.mode == Mode.HOLD and (self._last is None or self._last.hold_reason != out.hold_reason):
            self._health.count(HOLD[out.hold_reason])
        self._last = out
        self._io.loop.call_soon_threadsafe(self._link.offer, out)

    async def _exchange(self, out: Output) -> tuple[PlcStatus | None, bool]:
        """On the Modbus loop: write `out`; the PLC's status (None when not written) and whether it was refused as
        out of range."""
        refused_before = self._plc.counters.refused_out_of_range
        status = await self._plc.exchange(out.f_left_hz, out.f_right_hz, int(out.mode))
        return status, self._plc.counters.refused_out_of_range > refused_before

    def _written(self, out: Output, result: tuple[PlcStatus | None, bool]) -> None:
        """On the Modbus loop, after each exchange: its outcome on /diagnostics and roll_command."""
        status, refused = result
        if status is None and self._plc.counters.connects:  # per missed write (not while first connecting)
            self._health.problem(REFUSED_OUT_OF_RANGE if refused else PLC_WRITE_MISSED, self._plc.last_error
                                 or 'PLC not connected', Level.ERROR)
        elif status is not None:
            self._health.resolved(PLC_WRITE_MISSED)   # current again at the next report, not 10 s later
        msg = RollCommand(mode=int(out.mode), controller=self._p.controller, f_left_hz=out.f_left_hz,
                          f_right_hz=out.f_right_hz, error_left_mm=out.error_left_mm,
                          error_right_mm=out.error_right_mm, written_to_plc=status is not None)
        msg.header.stamp = self._stamp if out.mode == Mode.AUTO and self._stamp else self.get_clock().now().to_msg()
        publish_or_report(self._pub, msg, self._health, self.get_logger())

    def _state(self) -> str:
        mode = self._last.mode.name if self._last else 'starting'
        plc = 'PLC connected' if self._plc.connected else f'PLC NOT connected ({self._plc.last_error})'
        return f'{mode}, {plc}'

    def _values(self) -> dict[Key, object]:
        return control_values(self._p.controller, self._last, getattr(self._loop.controller, 'gamma', math.nan),
                              self._plc, self._verifier.issuers)

    def destroy_node(self) -> None:
        if hasattr(self, '_io'):
            self._io.stop()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    run_node(ControlNode, 'control', args)


if __name__ == '__main__':
    main()
