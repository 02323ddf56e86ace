"""The one-command build at a tiny budget (32 px, a few pairs, 1 epoch, 1 thread): every artefact and figure."""

import json

from fracturescope_perception_training.fusion.build_model import (
    CARD_FILE,
    REFERENCE_FILE,
    VARIANTS,
    main,
    model_version,
)
import numpy as np
import onnxruntime as ort
import torch


def test_build_writes_three_models_a_card_and_a_reference(tmp_path, capsys):
    threads = torch.get_num_threads()
    try:
        main(['--work', str(tmp_path / 'work'), '--models', str(tmp_path / 'models'), '--size', '32',
              '--thermal-native', '8', '--train-per-class', '8', '--val-per-class', '4', '--test-per-class', '4',
              '--ood-per-type', '3', '--epochs', '1', '--finetune-epochs', '1', '--no-ablation', '--workers', '1',
              '--no-progress', '--calibration-pairs', '16', '--threads', '1'])
    finally:
        torch.set_num_threads(threads)
    card = json.loads((tmp_path / 'models' / CARD_FILE).read_text())
    assert set(card['variants']) == set(VARIANTS) and card['default_variant'] in VARIANTS
    manifest = json.loads((tmp_path / 'work' / 'data' / 'manifest.json').read_text())
    assert card['training']['data_sha256'] == manifest['data_sha256']
    files = [card['variants'][name]['file'] for name in VARIANTS]
    assert card['version'] == model_version(tmp_path / 'models', files) != model_version(tmp_path / 'models', files[1:])
    assert card['input']['size'] == 32 and card['classes'] == manifest['classes']
    sizes = {}
    for name, variant in card['variants'].items():
        path = tmp_path / 'models' / variant['file']
        session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
        logits, distance = session.run(None, {'pair': np.zeros((3, 4, 32, 32), np.float32)})
        assert logits.shape == (3, 4) and distance.shape == (3,)
        assert 0.0 < variant['anomaly_threshold'] < 1.0 and variant['anomaly_reference_distance'] > 0
        assert 0.0 <= variant['metrics_test']['macro_f1'] <= 1.0
        sizes[name] = path.stat().st_size
    assert sizes['pruned_int8'] < sizes['int8'] < sizes['fp32'] / 3
    assert card['variants']['fp32']['metrics_test']['agreement_with_fp32'] == 1.0
    assert card['l1_unstructured_pruning']['sparsity'] > 0.29
    assert card['training']['pruned_inner_widths'] == [32, 32, 64, 64, 128, 128, 256, 256]
    with np.load(tmp_path / 'models' / REFERENCE_FILE) as reference:
        assert len(reference['fp32_predicted']) == 16
    assert 'card:' in capsys.readouterr().out
