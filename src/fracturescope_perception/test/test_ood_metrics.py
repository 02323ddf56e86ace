from fracturescope_perception.fusion.ood_metrics import anomaly_score, auroc, calibrate
import numpy as np
import pytest


def test_score_mapping_and_calibrated_false_alarm_rate():
    assert anomaly_score(np.array([0.0, 3.0]), 3.0) == pytest.approx([0.0, 0.5])
    assert anomaly_score(np.array([1e9]), 3.0)[0] == pytest.approx(1.0)
    val = np.random.default_rng(1).chisquare(8, 5000)
    cal = calibrate(val, 0.05)
    assert cal.reference_distance == pytest.approx(np.median(val))
    assert cal.false_alarm_rate == pytest.approx(0.05, abs=0.002)
    assert 0.5 < cal.threshold < 1.0
    with pytest.raises(ValueError):
        calibrate(val, 0.0)


def test_auroc_against_counting_pairs():
    rng = np.random.default_rng(2)
    neg, pos = rng.normal(0, 1, 60).round(1), rng.normal(1, 1, 40).round(1)   # rounded: ties occur
    pairs = (pos[:, None] > neg[None]).mean() + 0.5 * (pos[:, None] == neg[None]).mean()
    assert auroc(neg, pos) == pytest.approx(pairs)
    assert auroc(np.array([0.0, 1.0]), np.array([2.0, 3.0])) == 1.0
    assert auroc(np.array([2.0, 3.0]), np.array([0.0, 1.0])) == 0.0
    assert auroc(np.ones(3), np.ones(4)) == 0.5
    with pytest.raises(ValueError):
        auroc(np.array([]), np.ones(2))
