"""Training end to end for a tiny budget (32 px, a few pairs per class, 1 thread), then evaluation."""

import json

from fracturescope_perception_training.fusion.evaluate import main as evaluate_main
from fracturescope_perception_training.fusion.synthesize_dataset import write_dataset
from fracturescope_perception_training.fusion.train import EarlyStopping, TrainConfig, load_checkpoint, train
from fracturescope_perception_training.fusion.train import main as train_main
from fracturescope_sim.concrete_synthesis import CLASSES, SynthesisConfig
import pytest
import torch


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp('fusion_data')
    write_dataset(root, SynthesisConfig(size=32, thermal_native=8), {'train': 8, 'val': 3, 'test': 3}, 1,
                  base_seed=1, workers=1, progress=False)
    return root


def test_train_then_evaluate_end_to_end(tiny_data, tmp_path, capsys):
    threads = torch.get_num_threads()
    try:
        train_main(['--data', str(tiny_data), '--out', str(tmp_path / 'run'), '--epochs', '2', '--threads', '1',
                    '--no-progress'])
    finally:
        torch.set_num_threads(threads)
    history = json.loads((tmp_path / 'run' / 'history.json').read_text())
    assert len(history['val_loss']) == 2 and all(s > 0 for s in history['epoch_seconds'])
    assert (tmp_path / 'run' / 'curves.png').stat().st_size > 1000
    model, checkpoint = load_checkpoint(tmp_path / 'run' / 'best_loss.pt')
    assert checkpoint['classes'] == list(CLASSES) and checkpoint['input_size'] == 32
    assert checkpoint['val_loss'] == min(history['val_loss'])
    assert model.conv1.in_channels == 4
    evaluate_main(['--data', str(tiny_data), '--checkpoint', str(tmp_path / 'run' / 'best_accuracy.pt'),
                   '--out', str(tmp_path / 'eval'), '--threads', '1'])
    assert 'macro-F1' in capsys.readouterr().out
    rows = (tmp_path / 'eval' / 'metrics.csv').read_text().splitlines()
    assert rows[0] == 'class,precision,recall,f1,support' and len(rows) == 1 + 4 + 2
    assert (tmp_path / 'eval' / 'confusion.png').exists()
    report = json.loads((tmp_path / 'eval' / 'metrics.json').read_text())
    assert sum(map(sum, report['confusion'])) == 12


def test_training_lowers_the_training_loss(tiny_data, tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        history = train(tiny_data, tmp_path, TrainConfig(epochs=4, lr=1e-3, patience=10, progress=False))
    finally:
        torch.set_num_threads(threads)
    assert history.train_loss[-1] < history.train_loss[0]
    assert not history.stopped_early


def test_early_stopping_waits_patience_epochs_after_the_best():
    stopper = EarlyStopping(patience=2)
    assert stopper.update(1.0) and stopper.update(0.9)
    assert not stopper.update(0.95) and not stopper.should_stop
    assert not stopper.update(0.9) and stopper.should_stop   # equal is not better
    assert stopper.best == 0.9
