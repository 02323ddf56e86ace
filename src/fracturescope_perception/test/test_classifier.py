"""The run-time detector over the shipped model: whole frames of any size, regions in RGB pixels."""

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
