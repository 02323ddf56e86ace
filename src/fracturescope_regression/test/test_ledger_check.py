"""The ledger check of a replay: every output must be a block (type, source stamp, image digests, label), and no
block may stand for nothing that was published."""

from fracturescope_common.stamps import from_ns
from fracturescope_ledger.checkpoint import CheckpointSigner
from fracturescope_ledger.messages import record_from_thermal_assessment
from fracturescope_ledger.store import LedgerStore
from fracturescope_regression.replay import ledger_problems

from fracturescope_msgs.msg import ThermalAssessment


def assessment(stamp_ns, label='cold'):
    msg = ThermalAssessment(label=label, class_names=['cold', 'warm', 'hot', 'anomaly'],
                            probabilities=[0.97, 0.01, 0.01, 0.01], image_sha256=f'{stamp_ns:064x}',
                            model_id='thermal-monitor-cnn@test')
    msg.header.stamp = from_ns(stamp_ns)
    return msg


def test_outputs_missing_from_the_ledger_and_blocks_without_output_are_named(tmp_path):
    database = tmp_path / 'ledger.db'
    recorded, relabelled, missing = assessment(10), assessment(20), assessment(30)
    with LedgerStore(database, CheckpointSigner.from_key_file(tmp_path / 'key.pem')) as store:
        store.append_sync(record_from_thermal_assessment(recorded, 'line-1/drive-cabinet'))
        store.append_sync(record_from_thermal_assessment(assessment(20, 'hot'), 'line-1/drive-cabinet'))
    assert ledger_problems(database, [recorded], 'thermal') == ['ledger block for stamp 20 (hot) matches no output']
    assert ledger_problems(database, [recorded, relabelled, missing], 'thermal') == [
        'output for stamp 20 (cold) is not in the ledger', 'output for stamp 30 (cold) is not in the ledger',
        'ledger block for stamp 20 (hot) matches no output']
    assert ledger_problems(database, [recorded, assessment(20, 'hot')], 'thermal') == []
    assert ledger_problems(tmp_path / 'none.db', [], 'thermal') == [f'no ledger database at {tmp_path / "none.db"}']
