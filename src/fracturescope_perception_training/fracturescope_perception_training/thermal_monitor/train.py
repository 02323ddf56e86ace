"""Train the thermal monitor on synthesized equipment frames, export it to ONNX and write its card.

    fracturescope-train-thermal-monitor --out models/thermal_monitor --threads 2

The frames are tiny, so they are synthesized in memory (seeded: train, val and test by their own seeds).
Writes thermal_monitor.onnx (probabilities out, dynamic batch) and thermal_monitor.card.json.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import hashlib
import json
from pathlib import Path

from fracturescope_sim.equipment_frames import HEIGHT, STATES, WIDTH, synthesize_set
import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from fracturescope_perception_training.fusion.evaluate import classification_report
from fracturescope_perception_training.thermal_monitor.model import ThermalMonitorNet, WithSoftmax

OFFSET_C, SCALE_K = 20.0, 20.0   # input = (T - 20 degC) / 20 K: keeps the -10..90 degC of the frames near -1..4
MODEL_FILE, CARD_FILE = 'thermal_monitor.onnx', 'thermal_monitor.card.json'


@dataclass
class MonitorTrainConfig:
    train_per_state: int = 1500
    val_per_state: int = 300
    test_per_state: int = 500
    epochs: int = 15
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 11
    progress: bool = True


def normalise(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(((frames - OFFSET_C) / SCALE_K).astype(np.float32)[:, None])


def data_sha256(frames: np.ndarray, labels: np.ndarray) -> str:
    """SHA-256 of the training frames and labels: the card's version names the data the model learnt from."""
    digest = hashlib.sha256(np.ascontiguousarray(frames, np.float32).tobytes())
    digest.update(np.ascontiguousarray(labels, np.int64).tobytes())
    return digest.hexdigest()


def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(x), 1).numpy()


def train_monitor(out: Path, config: MonitorTrainConfig) -> dict:
    """Train, keep the epoch with the best validation loss, evaluate on test, export and write the card."""
    torch.manual_seed(config.seed)
    x_train, y_train = synthesize_set(config.train_per_state, config.seed * 3 + 1)
    x_val, y_val = synthesize_set(config.val_per_state, config.seed * 3 + 2)
    x_test, y_test = synthesize_set(config.test_per_state, config.seed * 3 + 3)
    xt, yt, xv, yv = normalise(x_train), torch.from_numpy(y_train), normalise(x_val), torch.from_numpy(y_val)
    model = ThermalMonitorNet(len(STATES))
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    best_loss, best_state = float('inf'), None
    for _ in tqdm(range(config.epochs), desc='thermal monitor', unit='epoch', disable=not config.progress):
        model.train()
        for idx in torch.randperm(len(xt)).split(config.batch_size):
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            val_loss = float(nn.functional.cross_entropy(model(xv), yv))
        if val_loss < best_loss:
            best_loss, best_state = val_loss, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    probabilities = predict(model, normalise(x_test))
    report = classification_report(y_test, probabilities.argmax(1), STATES)
    out.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(WithSoftmax(model).eval(), torch.zeros(1, 1, HEIGHT, WIDTH), str(out / MODEL_FILE),
                      input_names=['thermal'], output_names=['probabilities'],
                      dynamic_axes={'thermal': {0: 'batch'}, 'probabilities': {0: 'batch'}}, dynamo=False)
    data_hash = data_sha256(x_train, y_train)
    card = {
        'format': 'fracturescope-model-card/1',
        'name': 'thermal-monitor-cnn',
        'version': data_hash[:8],
        'model_file': MODEL_FILE,
        'classes': list(STATES),
        'alert_class': 'anomaly',
        'recommended_alert_threshold': 0.7,
        'input': {'name': 'thermal', 'height': HEIGHT, 'width': WIDTH, 'unit': 'degC', 'layout': 'N x 1 x H x W'},
        'normalisation': {'offset_c': OFFSET_C, 'scale_k': SCALE_K, 'formula': '(T - offset_c) / scale_k'},
        'output': {'name': 'probabilities', 'meaning': 'softmax per class'},
        'training': {'frames_per_state': config.train_per_state, 'seed': config.seed, 'epochs': config.epochs,
                     'data_sha256': data_hash, 'best_val_loss': best_loss},
        'metrics_test': {'accuracy': report['accuracy'], 'macro_f1': report['macro']['f1'],
                         'anomaly_recall_at_0.7': float(np.mean(probabilities[y_test == 3, 3] > 0.7)),
                         'false_alerts_at_0.7': float(np.mean(probabilities[y_test != 3, 3] > 0.7))},
    }
    (out / CARD_FILE).write_text(json.dumps(card, indent=1))
    return card


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', type=Path, required=True, help='folder for the ONNX file and its card')
    parser.add_argument('--train-per-state', type=int, default=1500)
    parser.add_argument('--epochs', type=int, default=15)
    parser.add_argument('--seed', type=int, default=11)
    parser.add_argument('--threads', type=int, default=2, help='torch intra-op threads')
    parser.add_argument('--no-progress', action='store_true')
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    config = MonitorTrainConfig(train_per_state=args.train_per_state, epochs=args.epochs, seed=args.seed,
                                progress=not args.no_progress)
    card = train_monitor(args.out, config)
    print(f"thermal monitor: test accuracy {card['metrics_test']['accuracy']:.4f}, macro-F1 "
          f"{card['metrics_test']['macro_f1']:.4f}, anomaly recall at 0.7 "
          f"{card['metrics_test']['anomaly_recall_at_0.7']:.3f}; written to {args.out}")


if __name__ == '__main__':
    main()
