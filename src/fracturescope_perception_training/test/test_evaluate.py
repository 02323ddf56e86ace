from fracturescope_perception_training.fusion.evaluate import classification_report, confusion_matrix
import numpy as np
import pytest

CLASSES = ('a', 'b', 'c')


def test_confusion_matrix_counts_true_by_predicted():
    cm = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]


def test_report_matches_hand_computed_values():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 2, 2])
    report = classification_report(y_true, y_pred, CLASSES)
    assert report['accuracy'] == pytest.approx(4 / 6)
    a, b, c = (report['per_class'][k] for k in CLASSES)
    assert (a['precision'], a['recall']) == pytest.approx((1.0, 2 / 3))
    assert (b['precision'], b['recall']) == pytest.approx((0.5, 0.5))
    assert (c['precision'], c['recall']) == pytest.approx((0.5, 1.0))
    assert a['f1'] == pytest.approx(0.8)
    assert report['macro']['f1'] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_classes_absent_from_a_subset_do_not_count_in_the_macro():
    report = classification_report(np.array([0, 0]), np.array([0, 1]), CLASSES)
    assert report['per_class']['a']['f1'] == pytest.approx(2 / 3)
    assert report['macro']['f1'] == pytest.approx(2 / 3)
    assert report['per_class']['b']['precision'] == 0.0
