from pathlib import Path
from types import SimpleNamespace

from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_control.configuration import make_loop
from fracturescope_control.msnf import MsnfController
from fracturescope_control.pid import PidController
import pytest

SHIPPED = read_node_parameters(Path(__file__).resolve().parents[3] / 'config' / 'control.yaml', 'control')


def test_the_shipped_config_builds_either_controller():
    msnf = make_loop(SimpleNamespace(**SHIPPED))
    assert isinstance(msnf.controller, MsnfController) and msnf.controller.params.window == SHIPPED['msnf_window']
    pid = make_loop(SimpleNamespace(**{**SHIPPED, 'controller': 'pid'}))
    assert isinstance(pid.controller, PidController) and pid.controller.params.kp == SHIPPED['pid_kp']
    assert pid.config.safe_output_hz == (SHIPPED['safe_f_left_hz'], SHIPPED['safe_f_right_hz'])


def test_unknown_controller_and_unsafe_outputs_are_refused():
    with pytest.raises(ValueError, match='not one of'):
        make_loop(SimpleNamespace(**{**SHIPPED, 'controller': 'fuzzy'}))
    with pytest.raises(ValueError, match='outside the limits'):
        make_loop(SimpleNamespace(**{**SHIPPED, 'safe_f_left_hz': SHIPPED['f_max_hz'] + 1}))


def test_the_shipped_loop_guards_its_measurements_and_bounds_its_steering():
    loop = make_loop(SimpleNamespace(**SHIPPED))
    assert loop.guard.limits.max_age_s == SHIPPED['stale_after_s']
    assert loop.steering.config.unconfirmed_mm == SHIPPED['unconfirmed_steering_mm']
