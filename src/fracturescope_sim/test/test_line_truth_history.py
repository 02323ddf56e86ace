from fracturescope_sim.edge_trajectory import SheetEdges
from fracturescope_sim.line_truth_history import LineTruthHistory
import pytest


def test_edges_between_samples_are_interpolated_and_a_little_past_the_newest_extrapolated():
    history = LineTruthHistory(max_extrapolation_s=0.05)
    history.add(1.00, SheetEdges(900.0, 2700.0))
    history.add(1.02, SheetEdges(902.0, 2702.0))
    assert history.at(1.01) == SheetEdges(pytest.approx(901.0), pytest.approx(2701.0))
    assert history.at(1.03).left_mm == pytest.approx(903.0)    # 10 ms past the newest sample: the DDS hop
    assert history.knows(1.03) and not history.knows(1.50)     # a late sample: the sheet there is not known
    with pytest.raises(ValueError):
        history.at(1.50)
    assert history.at(0.99) is None                            # before the first sample


def test_a_single_sample_is_held_and_an_empty_line_stays_empty():
    history = LineTruthHistory(max_extrapolation_s=0.05)
    assert history.at(1.0) is None and history.knows(1.0)      # no sample yet: the line is empty
    history.add(1.0, SheetEdges(900.0, 2700.0))
    assert history.at(1.01) == SheetEdges(900.0, 2700.0)
    history.add(1.02, None)                                    # the sheet left the line
    assert history.at(1.03) is None
    assert history.at(1.01) == SheetEdges(900.0, 2700.0)       # still there until the sample that said so


def test_old_and_repeated_samples_are_dropped():
    history = LineTruthHistory(keep_s=1.0)
    for i in range(300):
        history.add(i * 0.02, SheetEdges(900.0 + i, 2700.0 + i))
    history.add(1.0, SheetEdges(0.0, 1.0))                     # out of order: a stale duplicate
    assert len(history) <= 52
    assert history.at(5.98) == SheetEdges(1199.0, 2999.0)
    with pytest.raises(ValueError):
        LineTruthHistory(keep_s=0.0)
