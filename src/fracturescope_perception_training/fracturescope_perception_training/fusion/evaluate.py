"""Classification figures: confusion matrix, per-class and macro precision / recall / F1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """counts[true, predicted]."""
    counts = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> dict:
    """Accuracy, per-class precision / recall / F1 / support, and their unweighted (macro) means.

    A class never predicted has precision 0 (and never present: recall 0), the conservative convention.
    """
    cm = confusion_matrix(y_true, y_pred, len(classes))
    tp = np.diag(cm).astype(float)
    predicted, actual = cm.sum(0), cm.sum(1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    present = actual > 0   # macro over the classes present, so a subset (hard cases) is not penalised for absent ones
    return {
        'accuracy': float(tp.sum() / max(cm.sum(), 1)),
        'per_class': {c: {'precision': float(precision[i]), 'recall': float(recall[i]), 'f1': float(f1[i]),
                          'support': int(actual[i])} for i, c in enumerate(classes)},
        'macro': {'precision': float(precision[present].mean()), 'recall': float(recall[present].mean()),
                  'f1': float(f1[present].mean())},
        'confusion': cm.tolist(),
    }
