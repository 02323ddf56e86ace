from fracturescope_bringup.summary import Summary, progress_line
from fracturescope_testing.graph_monitor import GraphObservations

from fracturescope_msgs.msg import LedgerCheckpoint


def test_progress_line():
    observed = GraphObservations(checkpoint=LedgerCheckpoint(tree_size=139, root_hash='ab' * 32))
    observed.diagnostics = {'ledger': {'rejected': '1', 'blocks_defect': '39', 'blocks_edge': '120'}}
    line = progress_line(2.0, 30.0, observed)
    assert line.startswith('[  2.0/30 s] defect blocks 39 (19.5/s)  rejected 1  signed checkpoint abababababab@139')


def test_problems_make_the_verdict():
    summary = Summary('run')
    summary.add('a', 'fine')
    assert summary.all_ok and summary.render().endswith('ALL OK')
    summary.add('b', 'not fine', 'b broke')
    assert not summary.all_ok and summary.render().endswith('PROBLEMS: b broke')
