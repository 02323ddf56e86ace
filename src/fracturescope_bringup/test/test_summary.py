from fracturescope_bringup.graph_monitor import GraphObservations
from fracturescope_bringup.summary import Summary, progress_line

from fracturescope_msgs.msg import LedgerCheckpoint


def test_progress_line():
    observed = GraphObservations(checkpoint=LedgerCheckpoint(tree_size=139, root_hash='ab' * 32))
    observed.diagnostics = {'ledger': {'rejected': '1'}}
    line = progress_line(2.0, 30.0, observed, size_before=100)
    assert line.startswith('[  2.0/30 s] blocks written 39 (19.5/s)  rejected 1  signed checkpoint abab')


def test_problems_make_the_verdict():
    summary = Summary('run')
    summary.add('a', 'fine')
    assert summary.all_ok and summary.render().endswith('ALL OK')
    summary.add('b', 'not fine', 'b broke')
    assert not summary.all_ok and summary.render().endswith('PROBLEMS: b broke')
