import json
from pathlib import Path

from fracturescope_bringup.control_summary import (
    ControlObservations,
    add_control_rows,
    alignment_errors,
    frame_to_write_latencies_ms,
    read_write_log,
    standard_edges,
)
from fracturescope_bringup.summary import Summary
from fracturescope_common.diagnostics_contract import ContractError
from fracturescope_control.diagnostics_contract import (
    CONTROL,
    CONTROLLER,
    MODE,
    PLC_CONNECTED,
    PLC_REFUSED_OUT_OF_RANGE,
    PLC_WRITE_RATE,
    PLC_WRITES,
)
from fracturescope_testing.diagnostic_statuses import node_status
from fracturescope_testing.graph_monitor import GraphObservations
import numpy as np
import pytest

from fracturescope_msgs.msg import RollCommand

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_alignment_error_skips_settling_and_averages_both_edges():
    truth = [(0.0, 280.0, 1780.0), (4.9, 260.0, 1760.0), (5.0, 252.0, 1746.0), (6.0, 250.0, 1750.0)]
    errors = alignment_errors(truth, (250.0, 1750.0), skip_s=5.0)
    assert errors.tolist() == [3.0, 0.0]
    assert alignment_errors([], (250.0, 1750.0), 5.0).size == 0
    assert standard_edges(REPO_ROOT / 'config' / 'control.yaml') == (900.0, 2700.0)


def observed(values):
    graph = GraphObservations()
    graph.statuses['/control'] = node_status(CONTROL, values)
    return graph


def test_rows_and_problems():
    truth = ControlObservations([(t * 0.1, 251.0, 1751.0) for t in range(100)])
    summary = Summary('run')
    add_control_rows(summary, truth, observed({CONTROLLER: 'msnf', PLC_WRITES: 50, PLC_WRITE_RATE: 5.0,
                                              PLC_REFUSED_OUT_OF_RANGE: 0, PLC_CONNECTED: True, MODE: 'AUTO'}), 10.0,
                     (250.0, 1750.0))
    assert summary.all_ok, summary.problems
    assert 'mean 1.0 mm, p95 1.0 mm (msnf' in summary.rows[0][1]
    assert summary.rows[1][1].startswith('50 setpoint writes (5.0/s lately), 0 failed, 0 refused out of range')
    summary = Summary('run')
    add_control_rows(summary, ControlObservations(), observed({PLC_WRITES: 0, PLC_CONNECTED: False}), 10.0, (0.0, 1.0))
    assert summary.problems == ['no line ground truth received', 'no setpoint reached the PLC']


def test_late_truth_in_a_short_run_is_still_scored():
    """The line's truth began 5 s into an 8 s run (a loaded machine): half of what arrived is scored."""
    truth = ControlObservations([(5.0 + t * 0.2, 252.0, 1752.0) for t in range(17)])
    summary = Summary('run')
    add_control_rows(summary, truth, observed({CONTROLLER: 'msnf', PLC_WRITES: 15, PLC_CONNECTED: True}), 8.4,
                     (250.0, 1750.0))
    assert summary.all_ok, summary.problems
    assert 'mean 2.0 mm' in summary.rows[0][1] and 'after the first 2 s' in summary.rows[0][1]


def test_a_control_node_that_never_reported_is_an_error_not_zero_writes():
    with pytest.raises(ContractError, match='no /diagnostics from /control'):
        add_control_rows(Summary('run'), ControlObservations(), GraphObservations(), 10.0, (250.0, 1750.0))


def roll(stamp_s, f_left, f_right, mode=RollCommand.MODE_AUTO, written=True):
    command = RollCommand(mode=mode, f_left_hz=f_left, f_right_hz=f_right, written_to_plc=written)
    command.header.stamp.sec, command.header.stamp.nanosec = int(stamp_s), round((stamp_s % 1) * 1e9)
    return command


def test_frame_to_write_latency_matches_each_written_command_to_its_write_in_order():
    f32 = float(np.float32(30.1))  # the PLC sees float32 registers
    writes = [{'wall': 99.0, 'f_left_hz': 30.0, 'f_right_hz': 30.0},           # before the probe listened
              {'wall': 100.05, 'f_left_hz': f32, 'f_right_hz': 29.5},
              {'wall': 100.25, 'f_left_hz': 30.0, 'f_right_hz': 30.0},        # a hold
              {'wall': 100.47, 'f_left_hz': 31.0, 'f_right_hz': 29.0}]
    commands = [roll(100.0, 30.1, 29.5), roll(100.2, 30.0, 30.0, mode=RollCommand.MODE_HOLD),
                roll(100.3, 33.0, 27.0, written=False),                        # never reached the PLC
                roll(100.4, 31.0, 29.0)]
    latencies = frame_to_write_latencies_ms(commands, writes)
    assert latencies == pytest.approx([50.0, 70.0], abs=1e-3)   # holds answer no frame: not counted


def test_write_log_lines_cut_short_by_a_stop_are_left_out(tmp_path):
    log = tmp_path / 'w.jsonl'
    log.write_text(json.dumps({'wall': 1.0, 'f_left_hz': 30.0, 'f_right_hz': 30.0}) + '\n{"wall": 2.0, "f_le')
    assert read_write_log(log) == [{'wall': 1.0, 'f_left_hz': 30.0, 'f_right_hz': 30.0}]


def test_control_rows_report_the_frame_to_plc_latency_from_the_write_log(tmp_path):
    log = tmp_path / 'w.jsonl'
    log.write_text(''.join(json.dumps({'wall': 10.0 + i * 0.2 + 0.04, 'f_left_hz': 30.0 + i, 'f_right_hz': 30.0})
                           + '\n' for i in range(10)))
    control = ControlObservations(truth=[(0.0, 900.0, 2700.0), (6.0, 901.0, 2701.0)],
                                  commands=[roll(10.0 + i * 0.2, 30.0 + i, 30.0) for i in range(10)])
    summary = Summary('run')
    add_control_rows(summary, control, observed({CONTROLLER: 'msnf', MODE: 'AUTO', PLC_WRITES: 10, PLC_WRITE_RATE: 5.0,
                                                 PLC_REFUSED_OUT_OF_RANGE: 0, PLC_CONNECTED: True}),
                     10.0, (900.0, 2700.0), log)
    latency = summary.checks['frame -> PLC']
    assert latency['verdict'] == 'OK' and latency['figures']['writes'] == 10
    assert latency['figures']['p99_ms'] == pytest.approx(40.0, abs=1e-3)
