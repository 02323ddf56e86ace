"""Which observations alert, and how often."""

from fracturescope_uplink.alert_rules import ChangeWatch, Debounce, DefectRule, EdgeLossWatch


def test_debounce_lets_a_finding_through_once_per_period_and_counts_the_rest():
    debounce = Debounce(repeat_s=10.0)
    assert debounce.allow('crack@pier-3', 0.0)
    assert not debounce.allow('crack@pier-3', 9.9)
    assert debounce.allow('leak@pier-3', 9.9)
    assert debounce.allow('crack@pier-3', 10.0)
    assert debounce.suppressed == 1


def test_defect_rule_alerts_on_listed_labels_above_confidence_or_on_a_high_anomaly_score():
    rule = DefectRule.of(['crack', 'corrosion', 'leak', 'anomaly'], min_confidence=0.6, anomaly_score=0.7)
    assert rule.alerts('crack', 0.61, 0.1)
    assert not rule.alerts('crack', 0.59, 0.1)
    assert not rule.alerts('none', 0.99, 0.7)
    assert rule.alerts('none', 0.99, 0.71)   # seed 001: P(anomaly) > 0.7 alerts whatever the label


def test_edge_loss_alerts_once_after_the_timeout_and_once_when_regained():
    watch = EdgeLossWatch(after_s=2.0)
    assert watch.feed(True, 0.0) is None
    assert watch.feed(False, 1.0) is None
    assert watch.feed(False, 2.9) is None
    assert watch.feed(False, 3.0) == ('lost', 2.0)
    assert watch.feed(False, 9.0) is None
    assert watch.feed(True, 10.0) == ('regained', 9.0)
    assert watch.feed(False, 10.5) is None and watch.feed(True, 11.0) is None   # a short gap is no loss


def test_change_watch_reports_the_first_value_and_every_change():
    watch = ChangeWatch()
    assert watch.feed('AUTO') == (None, 'AUTO')
    assert watch.feed('AUTO') is None
    assert watch.feed('HOLD') == ('AUTO', 'HOLD')
