from fracturescope_perception.fusion.region_matching import cover, score_frame, summarise
import pytest


def test_cover_is_the_covered_share_of_the_second_box():
    assert cover((0, 0, 10, 10), (5, 5, 15, 15)) == pytest.approx(0.25)
    assert cover((0, 0, 100, 100), (5, 5, 15, 15)) == 1.0
    assert cover((20, 20, 30, 30), (0, 0, 10, 10)) == 0.0


def test_frames_regions_and_labels_are_counted():
    truth = [('crack', (0, 0, 100, 20)), ('hot_spot', (200, 200, 230, 230))]
    reported = [('crack', (0, 0, 60, 30)), ('anomaly', (190, 190, 240, 240)), ('leak', (400, 0, 450, 50))]
    row = score_frame(truth, reported, unseen={'hot_spot'})
    assert (row['found'], row['right'], row['label_matches'], row['label_checks']) == (2, 2, 2, 2)
    clean = score_frame([], [('leak', (0, 0, 5, 5))])
    missed = score_frame([('leak', (0, 0, 50, 50))], [])
    figures = summarise([row, clean, missed])
    assert figures['frame_recall'] == 0.5 and figures['false_frames'] == 1.0
    assert figures['region_recall'] == pytest.approx(2 / 3) and figures['region_precision'] == pytest.approx(2 / 4)
    assert figures['region_label_accuracy'] == 1.0
