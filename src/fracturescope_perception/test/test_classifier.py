"""The run-time detector over the shipped model: whole frames of any size, regions in RGB pixels."""

import json
from pathlib import Path

from fracturescope_perception.fusion.classifier import FusionClassifier, softmax
from fracturescope_perception.fusion.frame_tiles import PairError, Tiling
import numpy as np
import pytest

CARD = Path(__file__).resolve().parents[1] / 'models' / 'fusion' / 'fusion.card.json'


def test_softmax_is_a_distribution():
    p = softmax(np.array([[1000.0, 0.0, -5.0, 2.0]]))
    assert np.isclose(p.sum(), 1.0) and p[0, 0] > 0.999


@pytest.mark.parametrize('tile_px', [0, 96])
def test_a_frame_gets_a_verdict_and_regions_inside_the_seen_view(tile_px):
    classifier = FusionClassifier(CARD, threads=1, tiling=Tiling(tile_px=tile_px))
    rng = np.random.default_rng(1)
    rgb = rng.integers(100, 150, (360, 480, 3), dtype=np.uint8)
    rgb[150:160, 40:440] = 30                          # a dark line across the frame
    thermal = rng.normal(22.0, 0.05, (90, 120)).astype(np.float32)
    result = classifier.detect(rgb, thermal)
    assert result.label in classifier.classes + [classifier.anomaly_label]
    assert result.tiles == (1 if tile_px == 0 else 7 * 5)   # 320 x 240 network pixels, 64 px tiles 48 apart
    assert result.seen_box == (0, 0, 480, 360)
    assert np.isclose(result.probabilities.sum(), 1.0)
    assert (result.label == 'none') == (len(result.regions) == 0)
    for region in result.regions:
        x0, y0, x1, y1 = region.box
        assert 0 <= x0 < x1 <= 480 and 0 <= y0 < y1 <= 360 and region.label != 'none'
    with pytest.raises(PairError):
        classifier.detect(rgb, np.full((90, 120), np.nan, np.float32))


def test_regions_of_too_few_tiles_are_not_reported():
    classifier = FusionClassifier(CARD, threads=1, tiling=Tiling(tile_px=96, min_region_tiles=3))
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [100, 100, 110, 110]])
    crack = np.array([0.97, 0.01, 0.01, 0.01])
    probabilities = np.stack([crack, crack, crack])
    assert classifier.regions(boxes, probabilities, np.zeros(3)) == []          # 2 and 1 tiles
    classifier.tiler.tiling = Tiling(tile_px=96, min_region_tiles=2)
    assert [(r.label, r.tiles) for r in classifier.regions(boxes, probabilities, np.zeros(3))] == [('crack', 2)]


def test_dense_inference_on_a_frame_of_one_tile_is_tile_inference():
    """Dense inference answers for windows of the tile's size on the whole grid; a frame of one tile is one window,
    and then the two are the same network on the same input."""
    rng = np.random.default_rng(2)
    rgb = rng.integers(60, 200, (96, 96, 3), dtype=np.uint8)
    thermal = rng.normal(25.0, 0.3, (96, 96)).astype(np.float32)
    tiles = FusionClassifier(CARD, threads=1, tiling=Tiling(tile_px=96, overlap=0.5))
    dense = FusionClassifier(CARD, threads=1, tiling=Tiling(tile_px=96, overlap=0.5, dense=True))
    by_tiles, by_window = tiles.tile_scores(rgb, thermal), dense.tile_scores(rgb, thermal)
    np.testing.assert_array_equal(by_window.boxes, by_tiles.boxes)
    np.testing.assert_allclose(by_window.probabilities, by_tiles.probabilities, atol=1e-5)
    np.testing.assert_allclose(by_window.anomaly, by_tiles.anomaly, atol=1e-5)
    assert dense.model_id.endswith(tiles.model_id.split('@')[1]) and '-dense@' in dense.model_id


def test_dense_inference_covers_the_frame_with_windows_half_a_tile_apart():
    classifier = FusionClassifier(CARD, threads=1, tiling=Tiling(tile_px=96, overlap=0.5, dense=True))
    rng = np.random.default_rng(1)
    rgb = rng.integers(100, 150, (360, 480, 3), dtype=np.uint8)
    thermal = rng.normal(22.0, 0.05, (90, 120)).astype(np.float32)
    scored = classifier.tile_scores(rgb, thermal)
    assert len(scored.boxes) == 9 * 7          # grid 320 x 256 (sides rounded to the 32 px stride), 64 px windows
    assert scored.boxes[:, [0, 1]].min() == 0 and scored.boxes[:, 2].max() == 480 and scored.boxes[:, 3].max() == 360
    assert np.allclose(scored.probabilities.sum(axis=1), 1.0) and ((0 <= scored.anomaly) & (scored.anomaly <= 1)).all()
    assert classifier.detect(rgb, thermal).tiles == 9 * 7


def test_dense_inference_needs_the_overlap_its_file_was_written_for(tmp_path):
    with pytest.raises(ValueError, match='tile_overlap must be 0.5'):
        FusionClassifier(CARD, tiling=Tiling(tile_px=96, overlap=0.25, dense=True))
    card = json.loads(CARD.read_text())
    del card['dense']
    (tmp_path / 'fusion.card.json').write_text(json.dumps(card))
    with pytest.raises(ValueError, match='no dense file'):
        FusionClassifier(tmp_path / 'fusion.card.json', tiling=Tiling(tile_px=96, overlap=0.5, dense=True))
