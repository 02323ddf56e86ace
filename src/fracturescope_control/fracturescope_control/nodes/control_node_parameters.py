"""The control node's parameters: name, type and a description with the unit (`ros2 param describe`). Values live
in config/control.yaml only."""

from fracturescope_common.command_receiver import TARGET_PARAMETER, VERIFIER_PARAMETERS
from fracturescope_common.params import ParameterSpec as P
from rclpy.parameter import Parameter

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
    P('stale_after_s', D, 'measurements older than this by their stamp do not drive the rolls: hold (s)'),
    P('lost_timeout_s', D, 'held this long without a usable measurement (edge lost, stale, refused): move to the '
      'lost-edge output (s)'),
    P('lost_f_left_hz', D, 'lost-edge left output (Hz)'), P('lost_f_right_hz', D, 'lost-edge right output (Hz)'),
    P('edge_max_future_s', D, 'edge stamps ahead of this node clock by more are refused (s)'),
    P('edge_max_speed_mm_s', D, 'fastest an edge moves on the line; faster jumps are refused (mm/s)'),
    P('edge_jump_mm', D, 'sudden edge shift allowed on top of the speed: noise and steps (mm)'),
    P('sheet_width_min_mm', D, 'narrowest sheet the line makes (mm)'), P('sheet_width_max_mm', D, 'widest (mm)'),
    P('edge_source_timeout_s', D, 'a publisher on edges silent this long is gone (s)'),
    P('line_gamma_min_hz_per_mm', D, 'the line smallest gamma, for the steering bound (Hz/mm)'),
    P('unconfirmed_steering_mm', D, 'steering allowed beyond the output last confirmed, untrusted source (mm)'),
    P('edge_source_trust_after_s', D, 'a source showing the sheet near the standard this long is trusted (s)'),
    P('max_steering_mm', D, 'steering allowed from the start output, ever (mm)'),
    P('confirm_band_mm', D, 'a sheet this close to the standard confirms the output (mm)'),
    P('line_response_s', D, 'a roll change is settled at the camera after this long (s)'),
    P('confirm_follow_fraction', D, 'share of the eq. 10 move a sheet must follow to confirm an output (1)'),
    P('plc_host', S, 'PLC address (host)'), P('plc_port', INT, 'PLC Modbus TCP port (port)'),
    P('register_map_path', S, 'register map of the PLC, config/plc_registers.yaml (path)'),
    P('plc_timeout_s', D, 'Modbus connect / request timeout (s)'),
    P('reconnect_min_s', D, 'first reconnect delay, doubled per failure (s)'),
    P('reconnect_max_s', D, 'longest reconnect delay (s)'),
    *VERIFIER_PARAMETERS, TARGET_PARAMETER,
    P('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)
