"""Comparison of replayed outputs with the expected ones, and the expected-outputs file."""

from fracturescope_regression.expected_outputs import Expected, compare, load, save, summarise_edges
import pytest

from fracturescope_msgs.msg import EdgeMeasurement


def edges(frames, tolerance_mm=0.05):
    return Expected(kind='edges', node='edge_tracker', input_topic='/line_camera/image_raw', output_topic='/edges',
                    frames=frames, tolerance_mm=tolerance_mm)


OK = {'status': 'ok', 'left_mm': 900.0, 'right_mm': 2700.0}


def test_edge_positions_within_the_tolerance_are_the_same_and_beyond_it_a_change():
    expected = edges({1: OK, 2: OK})
    assert compare(expected, {1: {**OK, 'left_mm': 900.04}, 2: OK}).ok
    result = compare(expected, {1: {**OK, 'left_mm': 900.2}, 2: {**OK, 'status': 'repaired'}})
    assert [str(c) for c in result.changes] == ['frame 0 (stamp 1): left_mm: expected 900.0, got 900.2',
                                                'frame 1 (stamp 2): status: expected "ok", got "repaired"']
    assert result.counts() == ['1 of 2 left_mm changed', '1 of 2 status changed']


def test_an_output_that_appears_or_disappears_and_a_frame_one_side_lacks_are_changes():
    result = compare(edges({1: OK, 2: None, 3: OK}), {1: None, 2: OK, 4: OK})
    text = [str(c) for c in result.changes]
    assert text[0] == 'frame 0 (stamp 1): output: expected an output ' \
        '{"status": "ok", "left_mm": 900.0, "right_mm": 2700.0}, got no output (refused)'
    assert text[1].startswith('frame 1 (stamp 2): output: expected no output (refused), got an output')
    assert text[2] == 'frame 2 (stamp 3): frame: expected in the bag, got not in the replay'
    assert text[3] == 'frame 3 (stamp 4): frame: expected not in the bag, got in the replay'
    assert compare(edges({1: None}), {1: None}).ok


def test_regions_and_labels_must_be_equal():
    region = {'label': 'crack', 'box': [0, 0, 10, 10]}
    expected = Expected(kind='defects', node='defect_detector', input_topic='/camera/rgb/image_raw',
                        output_topic='/defects', frames={5: {'label': 'crack', 'anomaly': False, 'regions': [region]}})
    moved = {'label': 'crack', 'anomaly': False, 'regions': [{**region, 'box': [1, 0, 10, 10]}]}
    assert compare(expected, {5: moved}).counts() == ['1 of 1 regions changed']


def test_no_edge_is_stored_as_null_and_the_file_reads_back(tmp_path):
    summary = summarise_edges(EdgeMeasurement(status=EdgeMeasurement.STATUS_UNRECOGNISED, left_mm=float('nan'),
                                              right_mm=2700.123456))
    assert summary == {'status': 'unrecognised', 'left_mm': None, 'right_mm': 2700.1235}
    expected = edges({2: summary, 1: None}, tolerance_mm=0.1)
    save(expected, tmp_path / 'e.json')
    assert load(tmp_path / 'e.json') == expected
    (tmp_path / 'bad.json').write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match='not an expected-outputs file'):
        load(tmp_path / 'bad.json')
