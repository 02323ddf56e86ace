"""The control loop as config/control.yaml describes it (the node's parameters, as a namespace)."""

from types import SimpleNamespace

from fracturescope_control.controller import Controller
from fracturescope_control.loop import ControlLoop, LoopConfig
from fracturescope_control.measurement_guard import PlausibilityLimits
from fracturescope_control.msnf import MsnfController, MsnfParameters
from fracturescope_control.output_limits import OutputLimits
from fracturescope_control.pid import PidController, PidParameters
from fracturescope_control.steering_bound import SteeringBoundConfig

CONTROLLERS = ('msnf', 'pid')


def make_controller(p: SimpleNamespace) -> Controller:
    if p.controller == 'msnf':
        return MsnfController(MsnfParameters(
            alpha=p.alpha, beta=p.beta, gamma_initial=p.msnf_gamma_initial, gamma_min=p.msnf_gamma_min,
            gamma_max=p.msnf_gamma_max, gamma_forgetting=p.msnf_gamma_forgetting,
            gamma_prior_hz2=p.msnf_gamma_prior_hz2, min_excitation_hz=p.msnf_min_excitation_hz, window=p.msnf_window,
            drift_window=p.msnf_drift_window, standard_range_mm=p.standard_range_mm,
            dead_time_slots=p.msnf_dead_time_slots, lag_slots=p.msnf_lag_slots,
            drift_lead_slots=p.msnf_drift_lead_slots,
            max_drift_mm=p.msnf_max_drift_mm_s * p.period_s))
    if p.controller == 'pid':
        return PidController(PidParameters(
            kp=p.pid_kp, ki=p.pid_ki, kd=p.pid_kd, derivative_filter_s=p.pid_derivative_filter_s,
            tracking_s=p.pid_tracking_s, alpha=p.alpha, beta=p.beta, period_s=p.period_s,
            standard_range_mm=p.standard_range_mm))
    raise ValueError(f'controller {p.controller!r} is not one of {CONTROLLERS}')


def output_limits(p: SimpleNamespace) -> OutputLimits:
    return OutputLimits(p.f_min_hz, p.f_max_hz, p.slew_hz_per_s)


def plausibility_limits(p: SimpleNamespace) -> PlausibilityLimits:
    return PlausibilityLimits(
        max_age_s=p.stale_after_s, max_future_s=p.edge_max_future_s, max_edge_speed_mm_s=p.edge_max_speed_mm_s,
        jump_mm=p.edge_jump_mm, width_range_mm=(p.sheet_width_min_mm, p.sheet_width_max_mm),
        source_timeout_s=p.edge_source_timeout_s)


def steering_bound(p: SimpleNamespace) -> SteeringBoundConfig:
    return SteeringBoundConfig(
        alpha=p.alpha, beta=p.beta, gamma_hz_per_mm=p.line_gamma_min_hz_per_mm,
        unconfirmed_mm=p.unconfirmed_steering_mm, max_steering_mm=p.max_steering_mm,
        confirm_band_mm=p.confirm_band_mm, response_s=p.line_response_s,
        trust_after_s=p.edge_source_trust_after_s, follow_fraction=p.confirm_follow_fraction)


def make_loop(p: SimpleNamespace) -> ControlLoop:
    return ControlLoop(make_controller(p), LoopConfig(
        limits=output_limits(p), period_s=p.period_s, stale_after_s=p.stale_after_s,
        safe_output_hz=(p.safe_f_left_hz, p.safe_f_right_hz), start_output_hz=(p.start_f_left_hz, p.start_f_right_hz),
        standard_mm=(p.standard_left_mm, p.standard_right_mm), plausibility=plausibility_limits(p),
        steering=steering_bound(p), lost_timeout_s=p.lost_timeout_s,
        lost_output_hz=(p.lost_f_left_hz, p.lost_f_right_hz)))
