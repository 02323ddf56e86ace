"""The one-command build at a tiny budget (a few frames per family, 1 epoch, 1 thread): every artefact and figure."""

import json

from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception.fusion.frame_tiles import Tiling
from fracturescope_perception_training.fusion.build_model import (
    CARD_FILE,
    REFERENCE_FILE,
    VARIANTS,
    main,
    model_version,
)
from fracturescope_sim.surfaces import FAMILIES, HELD_OUT
import numpy as np
import onnxruntime as ort
import torch

TINY = ['--train-frames', '8', '--val-frames', '4', '--test-frames', '4', '--ood-frames', '2', '--epochs', '1',
        '--finetune-epochs', '1', '--workers', '1', '--no-progress', '--calibration-tiles', '16', '--threads', '1',
        '--reference-frames', '2', '--frames', '3', '--site-frames', '20']


def test_build_writes_three_models_a_card_and_a_reference(tmp_path, capsys):
    threads = torch.get_num_threads()
    try:
        main(['--work', str(tmp_path / 'work'), '--models', str(tmp_path / 'models'), *TINY])
    finally:
        torch.set_num_threads(threads)
    models = tmp_path / 'models'
    card = json.loads((models / CARD_FILE).read_text())
    assert set(card['variants']) == set(VARIANTS) and card['default_variant'] in VARIANTS
    assert card['training']['held_out_family'] == HELD_OUT and HELD_OUT not in card['training']['families']
    files = [card['variants'][name]['file'] for name in VARIANTS]
    assert card['version'] == model_version(models, files) != model_version(models, files[1:])
    assert card['input']['size'] == 64 and card['normalisation']['thermal_background']['method'] == 'local_median'
    sizes = {}
    for name, variant in card['variants'].items():
        path = models / variant['file']
        session = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
        logits, distance = session.run(None, {'pair': np.zeros((3, 4, 64, 64), np.float32)})
        assert logits.shape == (3, 4) and distance.shape == (3,)
        assert 0.0 < variant['anomaly_threshold'] < 1.0 and variant['anomaly_reference_distance'] > 0
        assert set(variant['metrics_test']) == set(FAMILIES)
        assert 0.0 <= variant['metrics_test'][HELD_OUT]['macro_f1_published'] <= 1.0
        sizes[name] = path.stat().st_size
    assert sizes['pruned_int8'] < sizes['int8'] < sizes['fp32'] / 3
    assert card['variants']['fp32']['reference_agreement_with_fp32'] == 1.0
    assert card['l1_unstructured_pruning']['sparsity'] > 0.29
    assert card['training']['pruned_inner_widths'] == [32, 32, 64, 64, 128, 128, 256, 256]
    with np.load(models / REFERENCE_FILE) as reference:
        assert str(reference['family']) == HELD_OUT and len(reference['fp32_predicted']) > 0
    assert 'card:' in capsys.readouterr().out
    assert card['frames_held_out']['frames'] == 3 and card['site_calibration_held_out']['calibration_frames'] == 20
    # the runtime detector runs the built card on a whole frame of another size
    detector = FusionClassifier(models / CARD_FILE, tiling=Tiling(tile_px=120))
    rng = np.random.default_rng(0)
    result = detector.detect(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8),
                             rng.normal(20, 0.1, (60, 80)).astype(np.float32))
    assert result.tiles > 1 and result.label in detector.classes + ['anomaly']
