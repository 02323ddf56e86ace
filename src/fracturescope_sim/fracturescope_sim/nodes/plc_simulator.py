"""PLC simulator node: the simulated spreader-roll PLC (Modbus TCP server + line model, plc_simulator.py), the edge
measurements its line would give a camera (line/simulated_edges, for the control node until the Edge-Eye tracker is
in the loop), and the line's ground truth (line/ground_truth) so a run can be scored."""

import os

from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.diagnostics_contract import Key
from fracturescope_common.health import Health
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec as P
from fracturescope_common.params import declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import OBSERVER_STREAM, RELIABLE_EVENTS
from fracturescope_common.register_map import RegisterMap
import numpy as np
from rclpy.node import Node
from rclpy.parameter import Parameter

from fracturescope_msgs.msg import EdgeMeasurement
from fracturescope_sim.diagnostics_contract import (
    CENTRE,
    DISTURBANCE,
    EDGES_PUBLISHED,
    HEARTBEAT_LOSSES,
    HOLDING,
    PLC_SIMULATOR,
    PORT,
    RUNNING_LEFT,
    RUNNING_RIGHT,
    SETPOINT_LEFT,
    SETPOINT_RIGHT,
    WRITES,
    WRITES_CLAMPED,
    WRITES_REJECTED,
)
from fracturescope_sim.line_model import LineModel, LineParameters, LineState
from fracturescope_sim.plc_simulator import PlcLogic, PlcServer

D, INT, S, B, DA = (Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING, Parameter.Type.BOOL,
                  Parameter.Type.DOUBLE_ARRAY)
LINE = (  # LineParameters fields, prefixed line_ in config/plc_sim.yaml
    P('line_alpha', D, 'true left roll ratio factor of eq. 10 at nominal speed (1)'),
    P('line_beta', D, 'true right roll ratio factor at nominal speed (1)'),
    P('line_gamma', D, 'nominal position ratio factor of eq. 10 (Hz/mm)'),
    P('line_gamma_scale', D, 'true gamma / nominal gamma: a mis-tuned plant (1)'),
    P('line_factor_speed_sensitivity', DA, 'relative change of alpha, beta, gamma per relative speed change (1)'),
    P('line_conveyor_speed', D, 'nominal conveyor speed (m/s)'),
    P('line_speed_variation', D, 'relative amplitude of the conveyor speed variation (1)'),
    P('line_speed_period_s', D, 'period of the conveyor speed variation (s)'),
    P('line_f_nominal_hz', D, 'roll frequency at which the sheet rests at line_rest_centre_mm (Hz)'),
    P('line_f_min_hz', D, 'drive lower limit (Hz)'), P('line_f_max_hz', D, 'drive upper limit (Hz)'),
    P('line_slew_hz_per_s', D, 'fastest drive frequency change (Hz/s)'),
    P('line_transport_delay_s', D, 'roll change to sheet movement at the camera (s)'),
    P('line_lag_s', D, 'time constant of the sheet settling (s)'), P('line_width_mm', D, 'sheet width (mm)'),
    P('line_start_centre_mm', D, 'sheet centre at start (mm)'),
    P('line_rest_centre_mm', D, 'sheet centre with both rolls nominal and no disturbance (mm)'),
    P('line_disturbance', S, 'gaussian, sinusoidal, step or none (name)'),
    P('line_disturbance_speed_mm_s', D, 'disturbance speed, 10-30 in the paper (mm/s)'),
    P('line_gaussian_correlation_s', D, 'correlation time of the Gaussian drift speed (s)'),
    P('line_gaussian_leak_s', D, 'decay of the Gaussian drift back to 0 (s)'),
    P('line_sine_period_s', D, 'period of the sinusoidal disturbance (s)'),
    P('line_step_period_s', D, 'time between disturbance steps (s)'), P('line_step_size', D, 'step scale (1)'),
    P('line_seed', INT, 'random seed of the line (integer)'),
)
PARAMETERS = LINE + (
    P('host', S, 'address the Modbus TCP server listens on (host)'), P('port', INT, 'Modbus TCP port (port)'),
    P('register_map_path', S, 'register map, config/plc_registers.yaml (path)'),
    P('tick_s', D, 'PLC cycle: the line model advances every tick (s)'),
    P('heartbeat_timeout_s', D, 'hold the drives when the controller heartbeat has not changed for this long (s)'),
    P('f_min_hz', D, 'PLC setpoint lower limit: lower writes are clamped (Hz)'),
    P('f_max_hz', D, 'PLC setpoint upper limit: higher writes are clamped (Hz)'),
    P('write_log_path', S, 'JSON-lines record of every setpoint write as received; "" for none (path)'),
    P('publish_edges', B, 'publish line/simulated_edges, the edges a camera would measure (flag)'),
    P('edge_rate_hz', D, 'rate of line/simulated_edges and line/ground_truth (Hz)'),
    P('edge_noise_mm', D, 'standard deviation of the simulated measurement noise (mm)'),
    P('edge_frame_id', S, 'frame of the simulated line camera (tf frame)'),
    P('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


class PlcSimulatorNode(Node):
    def __init__(self) -> None:
        super().__init__(PLC_SIMULATOR.node)
        self._p = p = declare_parameters(self, PARAMETERS)
        fields = {spec.name.removeprefix('line_'): getattr(p, spec.name) for spec in LINE}
        line = LineParameters(**{**fields, 'factor_speed_sensitivity': tuple(fields['factor_speed_sensitivity'])})
        self._log = None
        if p.write_log_path:
            os.makedirs(os.path.dirname(os.path.abspath(p.write_log_path)), exist_ok=True)
            self._log = open(p.write_log_path, 'a')  # appended: the record survives a restart of this node
        self._plc = PlcLogic(RegisterMap.from_yaml(p.register_map_path), LineModel(line), p.f_min_hz, p.f_max_hz,
                             p.heartbeat_timeout_s, write_log=self._log)
        self._server = PlcServer(self._plc, p.host, p.port, p.tick_s)
        self._server.start()
        self._rng = np.random.default_rng(line.seed + 1)
        self._health = Health(PLC_SIMULATOR.counters)
        # Not `edges`: that topic carries the tracker's measurements (with the hash of the frame measured), which the
        # ledger records; these stand-ins have no frame. The control node is pointed here until the camera is in.
        self._edges = (self.create_publisher(EdgeMeasurement, 'line/simulated_edges', RELIABLE_EVENTS)
                       if p.publish_edges else None)
        self._truth = self.create_publisher(EdgeMeasurement, 'line/ground_truth', OBSERVER_STREAM)
        self.create_timer(1.0 / p.edge_rate_hz, self._publish)
        self._diagnostics = DiagnosticsReporter(self, PLC_SIMULATOR, self._health, self._values, self._state,
                                                p.diagnostics_period_s)
        self.get_logger().info(f'PLC listening on {p.host}:{p.port}, line disturbance {line.disturbance}')

    def _publish(self) -> None:
        state = self._plc.snapshot().line
        stamp = self.get_clock().now().to_msg()
        self._truth.publish(self._message(state, 0.0, stamp))
        if self._edges is not None:
            noisy = self._message(state, self._p.edge_noise_mm, stamp)
            if publish_or_report(self._edges, noisy, self._health, self.get_logger()):
                self._health.count(EDGES_PUBLISHED)

    def _message(self, state: LineState, noise_mm: float, stamp: object) -> EdgeMeasurement:
        noise = self._rng.normal(0.0, noise_mm, 2) if noise_mm else np.zeros(2)
        left, right = state.left_mm + noise[0], state.right_mm + noise[1]
        msg = EdgeMeasurement(status=EdgeMeasurement.STATUS_OK, left_mm=float(left), right_mm=float(right),
                              width_mm=float(right - left))
        msg.header.stamp = stamp
        msg.header.frame_id = self._p.edge_frame_id
        return msg

    def _state(self) -> str:
        return 'holding: controller heartbeat lost' if self._plc.snapshot().holding else 'following the controller'

    def _values(self) -> dict[Key, object]:
        s = self._plc.snapshot()
        return {PORT: self._p.port, HOLDING: s.holding, SETPOINT_LEFT: s.setpoints_hz[0],
                SETPOINT_RIGHT: s.setpoints_hz[1], RUNNING_LEFT: s.line.f_left_hz, RUNNING_RIGHT: s.line.f_right_hz,
                WRITES: s.writes, WRITES_CLAMPED: s.writes_clamped, WRITES_REJECTED: s.writes_rejected,
                HEARTBEAT_LOSSES: s.heartbeat_losses, CENTRE: s.line.centre_mm, DISTURBANCE: s.line.disturbance_mm}

    def destroy_node(self) -> None:
        if hasattr(self, '_server'):
            self._server.stop()
        if getattr(self, '_log', None) is not None:
            self._log.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    run_node(PlcSimulatorNode, 'plc_simulator', args)


if __name__ == '__main__':
    main()
