"""The dense head: the shipped tile model's graph run once over a whole grid (dense_head.py)."""

import json
from pathlib import Path

from fracturescope_perception.fusion.classifier import INPUT_NAME, OUTPUT_NAMES
from fracturescope_perception_training.fusion.dense_head import add_dense_files, densify
import numpy as np
import onnx
import onnxruntime as ort
import pytest

MODELS = Path(__file__).resolve().parents[2] / 'fracturescope_perception' / 'models' / 'fusion'
CARD = json.loads((MODELS / 'fusion.card.json').read_text())
SHIPPED = CARD['variants'][CARD['default_variant']]


def session(model: onnx.ModelProto) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=['CPUExecutionProvider'])


def run(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    return session(model).run(list(OUTPUT_NAMES), {INPUT_NAME: x})


@pytest.fixture(scope='module')
def tile_model() -> onnx.ModelProto:
    return onnx.load(MODELS / SHIPPED['file'])


@pytest.fixture(scope='module')
def dense_model(tile_model) -> onnx.ModelProto:
    return densify(tile_model, 64, 32)


def test_on_a_grid_of_one_tile_the_dense_head_is_the_tile_model(tile_model, dense_model):
    x = np.random.default_rng(0).normal(0.0, 1.0, (1, 4, 64, 64)).astype(np.float32)
    (tile_logits, tile_distance), (dense_logits, dense_distance) = run(tile_model, x), run(dense_model, x)
    assert dense_logits.shape == (1, 4) and dense_distance.shape == (1,)
    np.testing.assert_allclose(dense_logits, tile_logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dense_distance, tile_distance, rtol=1e-5)


def test_a_grid_gets_one_answer_per_window_row_by_row(tile_model, dense_model):
    """A 128 x 192 grid: windows of 64 px, 32 apart -> 3 rows of 5, row by row. Each 32 px cell a surface of its
    own: a window's answer follows that of its own tile (the same cells, cut out) and not that of another window."""
    rng = np.random.default_rng(3)
    cells = rng.normal(0.0, 1.5, (1, 4, 4, 6)).astype(np.float32)
    x = np.repeat(np.repeat(cells, 32, axis=2), 32, axis=3) + rng.normal(0.0, 0.2, (1, 4, 128, 192)).astype(np.float32)
    logits, distance = run(dense_model, x)
    assert logits.shape == (15, 4) and distance.shape == (15,) and np.isfinite(logits).all()
    tiles = np.concatenate([x[:, :, y:y + 64, x0:x0 + 64] for y in (0, 32, 64) for x0 in (0, 32, 64, 96, 128)])
    tile_distance = run(tile_model, np.ascontiguousarray(tiles))[1]
    own = np.corrcoef(np.argsort(np.argsort(distance)), np.argsort(np.argsort(tile_distance)))[0, 1]
    column_major = tile_distance.reshape(3, 5).T.reshape(-1)
    other = np.corrcoef(np.argsort(np.argsort(distance)), np.argsort(np.argsort(column_major)))[0, 1]
    assert own > 0.7 and own > other + 0.3, (own, other)


def test_a_stride_that_splits_a_cell_is_refused(tile_model):
    with pytest.raises(ValueError, match='stride'):
        densify(tile_model, 64, 20)


def test_the_shipped_dense_file_is_what_the_command_writes(tmp_path):
    """Rebuildable by one command: fracturescope-densify-fusion on the shipped tile file gives the shipped dense
    file, byte for byte, and records it in the card."""
    (tmp_path / 'fusion.card.json').write_text((MODELS / 'fusion.card.json').read_text())
    (tmp_path / SHIPPED['file']).write_bytes((MODELS / SHIPPED['file']).read_bytes())
    card = add_dense_files(tmp_path)
    written = card['variants'][CARD['default_variant']]['dense_file']
    assert written == SHIPPED['dense_file']
    assert (tmp_path / written).read_bytes() == (MODELS / SHIPPED['dense_file']).read_bytes()
    assert card['dense'] == CARD['dense']
