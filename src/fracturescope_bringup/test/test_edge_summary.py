import math

from fracturescope_bringup.summary import Summary, add_edge_rows, edges_measured
from fracturescope_testing.graph_monitor import EdgeObservations

from fracturescope_msgs.msg import EdgeMeasurement


def measurement(sec, status, left, right):
    msg = EdgeMeasurement(status=status, left_mm=left, right_mm=right, width_mm=right - left)
    msg.header.stamp.sec = sec
    return msg


def test_edge_error_is_measured_against_the_truth_of_the_same_frame():
    edges = EdgeObservations()
    for sec, (left, right) in enumerate([(900.0, 2700.0), (901.0, 2701.0)]):
        edges.on_truth(measurement(sec, EdgeMeasurement.STATUS_OK, left, right))
    edges.on_truth(measurement(2, EdgeMeasurement.STATUS_NO_MATERIAL, math.nan, math.nan))
    edges.on_measurement(measurement(0, EdgeMeasurement.STATUS_OK, 900.5, 2699.0))
    edges.on_measurement(measurement(1, EdgeMeasurement.STATUS_REPAIRED, 901.0, 2703.0))
    edges.on_measurement(measurement(2, EdgeMeasurement.STATUS_NO_MATERIAL, math.nan, math.nan))
    edges.on_measurement(measurement(9, EdgeMeasurement.STATUS_OK, 0.0, 0.0))  # no truth for it
    assert sorted(edges.errors_mm()) == [0.0, 0.5, 1.0, 2.0]
    summary = Summary('t')
    add_edge_rows(summary, edges)
    text = summary.render()
    assert '4 measurements (ok 2, repaired 1, no material 1)' in text
    assert 'mean 0.88 mm' in text and summary.all_ok


def test_large_edge_error_or_no_measurement_is_a_problem():
    edges = EdgeObservations()
    edges.on_truth(measurement(0, EdgeMeasurement.STATUS_OK, 900.0, 2700.0))
    edges.on_measurement(measurement(0, EdgeMeasurement.STATUS_OK, 910.0, 2700.0))
    summary = Summary('t')
    add_edge_rows(summary, edges)
    assert not summary.all_ok and 'edge error 5.00 mm' in summary.problems[0]
    empty = Summary('t')
    add_edge_rows(empty, EdgeObservations())
    assert empty.problems == ['the edge tracker measured nothing']


def test_the_run_waits_for_a_second_of_edge_measurements():
    edges = EdgeObservations()
    for sec in range(30):
        edges.on_truth(measurement(sec, EdgeMeasurement.STATUS_OK, 900.0, 2700.0))
        assert not edges_measured(edges)
        edges.on_measurement(measurement(sec, EdgeMeasurement.STATUS_OK, 900.0, 2700.0))
    assert edges_measured(edges)
