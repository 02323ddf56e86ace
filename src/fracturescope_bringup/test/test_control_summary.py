from pathlib import Path

from fracturescope_bringup.control_summary import (
    ControlObservations,
    add_control_rows,
    alignment_errors,
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
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_alignment_error_skips_settling_and_averages_both_edges():
    truth = [(0.0, 280.0, 1780.0), (4.9, 260.0, 1760.0), (5.0, 252.0, 1746.0), (6.0, 250.0, 1750.0)]
    errors = alignment_errors(truth, (250.0, 1750.0), skip_s=5.0)
    assert errors.tolist() == [3.0, 0.0]
    assert alignment_errors([], (250.0, 1750.0), 5.0).size == 0
    assert standard_edges(REPO_ROOT / 'config' / 'control.yaml') == (250.0, 1750.0)


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
