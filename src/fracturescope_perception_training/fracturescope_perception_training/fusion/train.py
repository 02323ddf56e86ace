"""Train EarlyFusionCNN (or an ablation: RGB only, thermal only) on network inputs.

Adam 1e-4, batch 32, early stopping on validation loss (patience epochs). Writes
best_accuracy.pt and best_loss.pt (checkpoints with everything needed to rebuild and preprocess),
history.json (per-epoch loss, accuracy, seconds) and curves.png.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
import time

import matplotlib

matplotlib.use('Agg')
from fracturescope_perception.fusion.preprocessing import Normalisation
import matplotlib.pyplot as plt
import torch
from torch import nn
from tqdm import tqdm

from fracturescope_perception_training.fusion.augmentation import augment
from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN


@dataclass
class TrainConfig:
    modality: str = 'fused'
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-4
    patience: int = 3                 # epochs without a better validation loss before stopping
    thermal_scale_k: float = 1.0      # thermal contrast scale [K]: the thermal channel then spreads like RGB's
    rgb_dropout: float = 0.0          # fused only: share of training samples with RGB blanked [0..1]
    seed: int = 0
    progress: bool = True
    device: str = 'cpu'               # torch device ('cuda' where one is available: same results, faster)


@dataclass
class History:
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    stopped_early: bool = False


class EarlyStopping:
    """Stop once the validation loss has not improved for `patience` consecutive epochs."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best = float('inf')
        self.stale = 0

    def update(self, val_loss: float) -> bool:
        """Record an epoch; True when it is the best so far."""
        if val_loss < self.best:
            self.best, self.stale = val_loss, 0
            return True
        self.stale += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.stale >= self.patience


def evaluate_loss_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int,
                           device: str = 'cpu') -> tuple[float, float]:
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            yb = y[i:i + batch_size].to(device)
            logits = model(x[i:i + batch_size].to(device))
            total_loss += float(nn.functional.cross_entropy(logits, yb, reduction='sum'))
            correct += int((logits.argmax(1) == yb).sum())
    return total_loss / len(x), correct / len(x)


@dataclass(frozen=True)
class DataInfo:
    """What a checkpoint records of the data that trained it."""

    classes: list[str]
    input_size: int
    data_sha256: str



def save_checkpoint(path: Path, model: EarlyFusionCNN, norm: Normalisation, data: DataInfo, epoch: int,
                    val_loss: float, val_accuracy: float) -> None:
    torch.save({
        'architecture': model.architecture(),
        'state_dict': model.state_dict(),
        'normalisation': norm.to_dict(),
        'classes': data.classes,
        'input_size': data.input_size,
        'data_sha256': data.data_sha256,
        'epoch': epoch,
        'val_loss': val_loss,
        'val_accuracy': val_accuracy,
    }, path)


def load_checkpoint(path: Path) -> tuple[EarlyFusionCNN, dict]:
    """(model in eval mode, the checkpoint dictionary)."""
    checkpoint = torch.load(path, map_location='cpu', weights_only=False)
    model = EarlyFusionCNN.from_architecture(checkpoint['architecture'])
    model.load_state_dict(checkpoint['state_dict'])
    return model.eval(), checkpoint


def fit(train_data: tuple[torch.Tensor, torch.Tensor], val_data: tuple[torch.Tensor, torch.Tensor],
        norm: Normalisation, data: DataInfo, out: Path, config: TrainConfig,
        model: EarlyFusionCNN | None = None) -> History:
    """Train `model` (a fresh EarlyFusionCNN of config.modality when None; a pruned one to fine-tune it) on
    (inputs N x C x S x S, labels N) of the configuration's modality; checkpoints and curves go to `out`."""
    torch.manual_seed(config.seed)
    out.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_val, y_val) = train_data, val_data
    if model is None:
        model = EarlyFusionCNN(len(data.classes), config.modality)
    elif model.modality != config.modality:
        raise ValueError(f'the model takes {model.modality} input, the configuration says {config.modality}')
    model.to(config.device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    generator = torch.Generator().manual_seed(config.seed)
    history = History()
    stopper, best_accuracy = EarlyStopping(config.patience), -1.0
    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        total_loss, correct = 0.0, 0
        bar = tqdm(range(0, len(order), config.batch_size), desc=f'{config.modality} epoch {epoch}/{config.epochs}',
                   unit='batch', disable=not config.progress, leave=False)
        for i in bar:
            idx = order[i:i + config.batch_size]
            xb = augment(x_train[idx], config.modality, generator, config.rgb_dropout).to(config.device)
            yb = y_train[idx].to(config.device)
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            total_loss += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            bar.set_postfix(loss=f'{float(loss.detach()):.3f}')
        val_loss, val_accuracy = evaluate_loss_accuracy(model, x_val, y_val, 256, config.device)
        history.train_loss.append(total_loss / len(order))
        history.train_accuracy.append(correct / len(order))
        history.val_loss.append(val_loss)
        history.val_accuracy.append(val_accuracy)
        history.epoch_seconds.append(time.perf_counter() - start)
        tqdm.write(f'{config.modality} epoch {epoch}: train loss {history.train_loss[-1]:.4f} '
                   f'acc {history.train_accuracy[-1]:.3f} | val loss {val_loss:.4f} acc {val_accuracy:.3f} '
                   f'| {history.epoch_seconds[-1]:.1f} s')
        if val_accuracy > best_accuracy:
            best_accuracy = val_accuracy
            save_checkpoint(out / 'best_accuracy.pt', model, norm, data, epoch, val_loss, val_accuracy)
        if stopper.update(val_loss):
            save_checkpoint(out / 'best_loss.pt', model, norm, data, epoch, val_loss, val_accuracy)
        elif stopper.should_stop:
            history.stopped_early = True
            break
    model.cpu()
    (out / 'history.json').write_text(json.dumps(history.__dict__, indent=1))
    plot_curves(history, out / 'curves.png', config.modality)
    return history


def plot_curves(history: History, path: Path, title: str) -> None:
    epochs = range(1, len(history.train_loss) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history.train_loss, label='train')
    ax_loss.plot(epochs, history.val_loss, label='validation')
    ax_loss.set(xlabel='epoch', ylabel='cross-entropy loss', title=f'{title}: loss')
    ax_acc.plot(epochs, history.train_accuracy, label='train')
    ax_acc.plot(epochs, history.val_accuracy, label='validation')
    ax_acc.set(xlabel='epoch', ylabel='accuracy', title=f'{title}: accuracy', ylim=(0, 1.02))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
