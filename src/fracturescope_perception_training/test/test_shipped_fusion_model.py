"""The shipped fusion model against what its card and its build recorded, on tiles regenerated from their seeds:
INT8 agrees with FP32, and fresh held-out tiles score as the card says."""

import json
from pathlib import Path

from fracturescope_perception.fusion.classifier import onnx_session, run_onnx, softmax
from fracturescope_perception.fusion.ood_metrics import anomaly_score
from fracturescope_perception.fusion.preprocessing import Normalisation
from fracturescope_perception_training.fusion.tile_dataset import TileSetConfig, build_tile_set
from fracturescope_perception_training.fusion.tile_training import published_figures, tile_inputs
import numpy as np
import pytest

MODELS = Path(__file__).resolve().parents[2] / 'fracturescope_perception' / 'models' / 'fusion'
CARD = json.loads((MODELS / 'fusion.card.json').read_text())


@pytest.fixture(scope='module')
def reference():
    """The tiles whose FP32 predictions the build saved, regenerated from the same seeds."""
    with np.load(MODELS / CARD['fp32_reference']) as saved:
        family, frames, seed = str(saved['family']), int(saved['frames']), int(saved['data_seed'])
        predicted = saved['fp32_predicted']
    tiles = TileSetConfig(**CARD['training']['tile_set'])
    test = build_tile_set([family], 'test', frames, seed, tiles, workers=2, progress=False)
    inputs = tile_inputs(test, Normalisation.from_dict(CARD['normalisation']), 'fused').numpy()
    return inputs, predicted, test


def test_the_reference_is_regenerated_exactly(reference):
    inputs, predicted, _ = reference
    assert len(inputs) == len(predicted)


@pytest.mark.parametrize('variant', ['int8', 'pruned_int8'])
def test_shipped_variants_agree_with_fp32_as_the_card_says(reference, variant):
    inputs, fp32_predicted, _ = reference
    logits, _ = run_onnx(onnx_session(MODELS / CARD['variants'][variant]['file'], 2), inputs)
    agreement = float(np.mean(logits.argmax(1) == fp32_predicted))
    recorded = CARD['variants'][variant]['reference_agreement_with_fp32']
    assert agreement == pytest.approx(recorded, abs=0.01)
    if variant == 'int8':
        assert agreement >= 0.98


@pytest.mark.parametrize('variant', ['int8', 'pruned_int8'])
def test_this_cpus_integer_kernels_compute_what_the_quantized_graph_says(reference, variant):
    """onnxruntime fuses the QDQ graph into integer kernels it picks for this CPU (VNNI or not, ARM); they may differ
    from the graph run as written by a rounding step, no more. Measured on an AVX2-only CPU with 8-bit weights (their
    uint8 x int8 pair sums overflow int16): logits off by 0.5 at the 99th percentile, anomaly distances up to 92 %."""
    inputs = reference[0]
    path = MODELS / CARD['variants'][variant]['file']
    logits, distance = run_onnx(onnx_session(path, 2), inputs)
    written_logits, written_distance = run_onnx(onnx_session(path, 2, fused=False), inputs)
    assert np.percentile(np.abs(logits - written_logits), 99) <= 0.15   # logits spread ~2.2 (std)
    assert np.max(np.abs(distance - written_distance) / written_distance) <= 0.01


def test_fresh_held_out_tiles_score_as_the_card_says(reference):
    inputs, _, test = reference
    spec = CARD['variants'][CARD['default_variant']]
    logits, distance = run_onnx(onnx_session(MODELS / spec['file'], 2), inputs)
    scores = anomaly_score(distance, spec['anomaly_reference_distance'])
    figures = published_figures(logits, scores, spec['anomaly_threshold'], test.labels(), None)
    recorded = spec['metrics_test'][CARD['training']['held_out_family']]
    # the reference is a subset of the card's test frames: a few points of sampling spread
    assert figures['macro_f1_published'] == pytest.approx(recorded['macro_f1_published'], abs=0.08)
    assert np.allclose(softmax(logits).sum(1), 1.0, atol=1e-5)
