"""Evaluate a checkpoint on a split: accuracy, per-class and macro precision / recall / F1, confusion matrix.

    fracturescope-evaluate-fusion --data data/fusion --checkpoint var/fusion/fused/best_accuracy.pt --out DIR

Writes metrics.csv (one row per class, then macro), metrics.json (also the hard cases alone) and confusion.png.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
from fracturescope_perception.fusion.preprocessing import Normalisation
import matplotlib.pyplot as plt
import numpy as np
import torch

from fracturescope_perception_training.fusion.dataset import as_tensors, load_split
from fracturescope_perception_training.fusion.train import load_checkpoint


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


def predict_logits(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).numpy()


def write_csv(report: dict, path: Path) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['class', 'precision', 'recall', 'f1', 'support'])
        for name, row in report['per_class'].items():
            writer.writerow([name, f"{row['precision']:.4f}", f"{row['recall']:.4f}", f"{row['f1']:.4f}",
                             row['support']])
        macro = report['macro']
        total = sum(r['support'] for r in report['per_class'].values())
        writer.writerow(['macro', f"{macro['precision']:.4f}", f"{macro['recall']:.4f}", f"{macro['f1']:.4f}", total])
        writer.writerow(['accuracy', '', '', f"{report['accuracy']:.4f}", total])


def plot_confusion(report: dict, classes: Sequence[str], path: Path, title: str) -> None:
    cm = np.asarray(report['confusion'])
    fig, ax = plt.subplots(figsize=(5, 4.4))
    ax.imshow(cm, cmap='Blues')
    ax.set(xticks=range(len(classes)), yticks=range(len(classes)), xticklabels=classes, yticklabels=classes,
           xlabel='predicted', ylabel='true', title=title)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, str(cm[i, j]), ha='center', va='center', color='white' if cm[i, j] > cm.max() / 2 else 'k')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def evaluate(data: Path, checkpoint_path: Path, out: Path, split: str = 'test') -> dict:
    """Reports on the whole split and on its hard cases alone; writes the CSV, JSON and PNG to `out`."""
    model, checkpoint = load_checkpoint(checkpoint_path)
    raw = load_split(data, split)
    norm = Normalisation.from_dict(checkpoint['normalisation'])
    x, y = as_tensors(raw, norm, checkpoint['architecture']['modality'])
    predicted = predict_logits(model, x).argmax(1)
    classes = checkpoint['classes']
    report = classification_report(y.numpy(), predicted, classes)
    hard = np.array([v != 'normal' for v in raw.variants])
    report['hard_cases'] = classification_report(y.numpy()[hard], predicted[hard], classes) if hard.any() else None
    out.mkdir(parents=True, exist_ok=True)
    write_csv(report, out / 'metrics.csv')
    (out / 'metrics.json').write_text(json.dumps(report, indent=1))
    plot_confusion(report, classes, out / 'confusion.png',
                   f"{checkpoint['architecture']['modality']} on {split}: accuracy {report['accuracy']:.3f}")
    return report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', type=Path, required=True)
    parser.add_argument('--checkpoint', type=Path, required=True)
    parser.add_argument('--out', type=Path, required=True)
    parser.add_argument('--split', default='test', choices=('train', 'val', 'test'))
    parser.add_argument('--threads', type=int, default=2, help='torch intra-op threads')
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    report = evaluate(args.data, args.checkpoint, args.out, args.split)
    hard = report['hard_cases']
    print(f"{args.split}: accuracy {report['accuracy']:.4f}, macro-F1 {report['macro']['f1']:.4f}"
          + (f", hard cases macro-F1 {hard['macro']['f1']:.4f}" if hard else '') + f'; written to {args.out}')


if __name__ == '__main__':
    main()
