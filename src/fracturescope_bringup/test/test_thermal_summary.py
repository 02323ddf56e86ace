"""Main-job row for the thermal monitor: states and alerts against the ground truth of the same frame."""

from fracturescope_bringup.summary import Summary
from fracturescope_bringup.thermal_summary import ThermalObservations, add_thermal_rows
from fracturescope_perception.diagnostics_contract import FRAME_REJECTED, thermal_monitor
from fracturescope_sim.diagnostics_contract import EQUIPMENT_THERMAL_CAMERA, PUBLISHED, VARIANT
from fracturescope_testing.diagnostic_statuses import node_status
from fracturescope_testing.graph_monitor import GraphObservations

from fracturescope_msgs.msg import GroundTruthLabel, ThermalAssessment


def seen(cases):
    observed = ThermalObservations()
    for sec, (label, alert, truth) in enumerate(cases):
        a, t = ThermalAssessment(label=label, alert=alert), GroundTruthLabel(label=truth)
        a.header.stamp.sec = t.header.stamp.sec = sec
        observed.on_assessment(a)
        observed.on_truth(t)
    return observed


RECORDED = {sec * 10**9 for sec in range(5)}   # the stamps of seen()'s five assessments


def graph(published=10, bad=1, refused=1):
    observed = GraphObservations()
    observed.statuses = {
        '/equipment_thermal_camera': node_status(EQUIPMENT_THERMAL_CAMERA, {PUBLISHED: published},
                                                 {VARIANT['nan_pixels']: bad}),
        '/thermal_monitor': node_status(thermal_monitor(['cold', 'warm', 'hot', 'anomaly']),
                                        counters={FRAME_REJECTED['nan_temperature']: refused})}
    return observed


def test_states_alerts_and_false_alerts_against_the_truth():
    summary = Summary('run')
    add_thermal_rows(summary, graph(), seen([('cold', False, 'cold'), ('anomaly', True, 'anomaly'),
                                             ('hot', False, 'anomaly'), ('anomaly', True, 'warm'),
                                             ('warm', False, 'warm')]), RECORDED, min_accuracy=0.5)
    text = summary.render()
    assert '10 frames published (1 bad on purpose, 1 refused): state accuracy 60.0% on 5 frames' in text
    assert 'alerts on 1/2 anomaly frames, 1 false alerts' in text and summary.all_ok
    assert '5 assessments recorded as thermal blocks' in text


def test_low_accuracy_or_no_assessment_is_a_problem_and_no_monitor_no_row():
    summary = Summary('run')
    add_thermal_rows(summary, graph(), seen([('hot', False, 'cold')]), {0})
    assert summary.problems == ['thermal monitor accuracy 0.0% below 80%']
    empty = Summary('run')
    add_thermal_rows(empty, graph(), ThermalObservations(), set())
    assert empty.problems == ['the thermal monitor assessed nothing']
    absent = Summary('run')
    add_thermal_rows(absent, GraphObservations(), ThermalObservations(), set())
    assert absent.rows == []


def test_assessments_missing_from_the_ledger_are_a_problem_but_not_those_still_in_flight():
    observed = seen([('cold', False, 'cold')] * 5)   # stamped at 0..4 s
    in_flight = Summary('run')
    add_thermal_rows(in_flight, graph(), observed, {0, 10**9, 2 * 10**9})   # the last two may be in flight
    assert in_flight.all_ok and '3 assessments recorded as thermal blocks' in in_flight.render()
    gap = Summary('run')
    add_thermal_rows(gap, graph(), observed, {0, 2 * 10**9})
    assert gap.problems == ['1 thermal assessments missing from the ledger']
    none = Summary('run')
    add_thermal_rows(none, graph(), observed, set())
    assert none.problems == ['5 thermal assessments missing from the ledger']
