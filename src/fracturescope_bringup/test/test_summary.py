import json

from diagnostic_msgs.msg import DiagnosticArray
from fracturescope_bringup.summary import Summary, progress_line
from fracturescope_ledger.diagnostics_contract import BLOCKS_OF, LEDGER, REJECTED
from fracturescope_testing.diagnostic_statuses import node_status
from fracturescope_testing.graph_monitor import GraphObservations

from fracturescope_msgs.msg import LedgerCheckpoint


def test_progress_line():
    observed = GraphObservations(checkpoint=LedgerCheckpoint(tree_size=139, root_hash='ab' * 32))
    assert progress_line(1.0, 30.0, observed) == "[  1.0/30 s] waiting for the ledger's first report"
    observed.on_diagnostics(DiagnosticArray(status=[node_status(LEDGER, counters={
        REJECTED: 1, BLOCKS_OF['defect']: 39, BLOCKS_OF['edge']: 120})]))
    line = progress_line(2.0, 30.0, observed)
    assert line.startswith('[  2.0/30 s] defect blocks 39 (19.5/s)  rejected 1  signed checkpoint abababababab@139')


def test_problems_make_the_verdict():
    summary = Summary('run')
    summary.add('a', 'fine')
    assert summary.all_ok and summary.render().endswith('ALL OK')
    summary.add('b', 'not fine', 'b broke', lost=3)
    assert not summary.all_ok and summary.render().endswith('PROBLEMS: b broke')


def test_the_json_summary_has_every_check_its_figures_and_verdict(tmp_path):
    summary = Summary('run')
    summary.add('a', 'fine', published=15, ok=True)
    summary.add('b', 'not fine', 'b broke', lost=3)
    summary.write_json(tmp_path / 'run' / 'summary.json')
    written = json.loads((tmp_path / 'run' / 'summary.json').read_text())
    assert written == {'title': 'run', 'verdict': 'FAIL', 'problems': ['b broke'], 'checks': {
        'a': {'verdict': 'OK', 'problem': None, 'figures': {'published': 15, 'ok': True}},
        'b': {'verdict': 'FAIL', 'problem': 'b broke', 'figures': {'lost': 3}}}}
