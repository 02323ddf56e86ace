from fracturescope_perception.fusion.tiling import merge_regions, tile_boxes, tile_starts
import numpy as np


def test_tiles_cover_every_pixel_with_bounded_stride():
    for length, tile, stride in ((1280, 64, 48), (64, 64, 48), (50, 64, 48), (700, 96, 72)):
        starts = tile_starts(length, tile, stride)
        assert starts[0] == 0 and starts[-1] == max(0, length - tile)
        assert all(b - a <= stride for a, b in zip(starts, starts[1:], strict=False))
    boxes = tile_boxes(200, 100, 64, 48)
    covered = np.zeros((100, 200), bool)
    for x0, y0, x1, y1 in boxes:
        covered[y0:y1, x0:x1] = True
        assert x1 - x0 == 64 and y1 - y0 == 64
    assert covered.all()


def test_touching_tiles_of_one_label_merge_others_stay_apart():
    boxes = np.array([[0, 0, 10, 10], [8, 0, 18, 10], [30, 30, 40, 40], [16, 0, 26, 10], [50, 0, 60, 10]])
    labels = ['crack', 'crack', 'crack', 'leak', 'none']
    confidence = np.array([0.7, 0.9, 0.6, 0.8, 0.99])
    scores = np.eye(5)[:, :4]
    regions = merge_regions(boxes, labels, confidence, scores, np.array([0.1, 0.2, 0.3, 0.4, 0.5]), 'none')
    assert [(r.label, r.box, r.tiles) for r in regions] == [
        ('crack', (0, 0, 18, 10), 2), ('leak', (16, 0, 26, 10), 1), ('crack', (30, 30, 40, 40), 1)]
    assert regions[0].confidence == 0.9 and regions[0].anomaly_score == 0.2
    assert np.array_equal(regions[0].scores, scores[1])
    assert merge_regions(boxes, ['none'] * 5, confidence, scores, confidence, 'none') == []
