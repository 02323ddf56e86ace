"""Training for a tiny budget (separable random tensors, 1 thread): checkpoints, history, curves."""

import json

from fracturescope_perception.fusion.preprocessing import Normalisation
from fracturescope_perception_training.fusion.train import DataInfo, EarlyStopping, TrainConfig, fit, load_checkpoint
import pytest
import torch

CLASSES = ['crack', 'corrosion', 'leak', 'none']
NORM = Normalisation((0.5,) * 3, (0.2,) * 3, 1.0)


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Classes told apart by the mean of the thermal channel: learnable in a few epochs."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 4
    x = torch.randn(n, 4, 16, 16, generator=generator) * 0.3
    x[:, 3] += (y.float() - 1.5)[:, None, None]
    return x, y


def test_fit_writes_checkpoints_history_and_curves(tmp_path, one_thread):
    info = DataInfo(CLASSES, 16, 'ab' * 32)
    history = fit(_data(64, 1), _data(16, 2), NORM, info, tmp_path / 'run',
                  TrainConfig(epochs=2, lr=1e-3, progress=False))
    saved = json.loads((tmp_path / 'run' / 'history.json').read_text())
    assert len(saved['val_loss']) == 2 and all(s > 0 for s in saved['epoch_seconds'])
    assert (tmp_path / 'run' / 'curves.png').stat().st_size > 1000
    model, checkpoint = load_checkpoint(tmp_path / 'run' / 'best_loss.pt')
    assert checkpoint['classes'] == CLASSES and checkpoint['input_size'] == 16
    assert checkpoint['data_sha256'] == 'ab' * 32 and checkpoint['val_loss'] == min(history.val_loss)
    assert model.conv1.in_channels == 4


def test_training_lowers_the_training_loss(tmp_path, one_thread):
    history = fit(_data(64, 3), _data(16, 4), NORM, DataInfo(CLASSES, 16, ''), tmp_path,
                  TrainConfig(epochs=4, lr=1e-3, patience=10, progress=False))
    assert history.train_loss[-1] < history.train_loss[0]
    assert not history.stopped_early


def test_a_model_of_another_modality_is_refused(tmp_path):
    from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN
    with pytest.raises(ValueError, match='rgb input'):
        fit(_data(8, 1), _data(4, 2), NORM, DataInfo(CLASSES, 16, ''), tmp_path, TrainConfig(progress=False),
            EarlyFusionCNN(4, 'rgb'))


def test_early_stopping_waits_patience_epochs_after_the_best():
    stopper = EarlyStopping(patience=2)
    assert stopper.update(1.0) and stopper.update(0.9)
    assert not stopper.update(0.95) and not stopper.should_stop
    assert not stopper.update(0.9) and stopper.should_stop   # equal is not better
    assert stopper.best == 0.9
