from fracturescope_bringup.graph_monitor import GraphObservations
from fracturescope_bringup.summary import Summary, add_detection_rows, detections_accounted_for, progress_line

from fracturescope_msgs.msg import LedgerCheckpoint


def observations(published, malformed, rejected, ledger_size):
    observed = GraphObservations(checkpoint=LedgerCheckpoint(tree_size=ledger_size, root_hash='ab' * 32))
    observed.diagnostics = {
        'detection_source': {'published': str(published), 'malformed_nan_confidence': str(malformed)},
        'ledger': {'rejected': str(rejected)},
    }
    return observed


def test_accounted_for_only_when_every_detection_is_a_block_or_a_rejection():
    assert detections_accounted_for(observations(60, 2, 2, 158), expected=60, size_before=100)
    assert not detections_accounted_for(observations(60, 2, 1, 158), expected=60, size_before=100)
    assert not detections_accounted_for(observations(59, 2, 2, 157), expected=60, size_before=100)


def test_lost_detections_and_unexpected_rejections_are_problems():
    summary = Summary('run')
    add_detection_rows(summary, observations(60, 2, 2, 158), {'crack': 58}, reconciled=True)
    assert summary.all_ok
    summary = Summary('run')
    add_detection_rows(summary, observations(60, 2, 3, 155), {'crack': 55}, reconciled=True)
    assert summary.problems == ['2 detections neither recorded nor rejected',
                                '2 malformed detections sent but 3 rejected']
    assert 'PROBLEMS' in summary.render()


def test_progress_line():
    line = progress_line(2.0, 30.0, observations(40, 0, 1, 139), size_before=100)
    assert line.startswith('[  2.0/30 s] blocks written 39 (19.5/s)  rejected 1  signed checkpoint abab')


def test_a_run_cut_short_reports_counts_without_claiming_losses():
    summary = Summary('run')
    add_detection_rows(summary, observations(60, 2, 1, 150), {'crack': 50}, reconciled=False)
    assert summary.all_ok
    assert 'counts not reconciled' in summary.rows[0][1]
