from fracturescope_ledger.block import LedgerRecord
from fracturescope_ledger.recent_records import RecentRecords
import pytest


def record(stamp, digest=b'\x01' * 32, record_type='defect', label='crack'):
    return LedgerRecord(record_type, stamp, 'slab', (digest,), label, 0.9, 'm@1')


def test_a_result_delivered_again_is_a_duplicate_others_are_not():
    recent = RecentRecords(10, [record(1), record(2)])
    assert not recent.add(record(1)) and not recent.add(record(2, label='leak'))   # same image, same stamp
    assert recent.add(record(3)) and recent.add(record(1, digest=b'\x02' * 32))
    assert recent.add(record(1, record_type='edge'))


def test_only_the_newest_are_kept_and_a_failed_append_is_forgotten():
    recent = RecentRecords(2, [record(1), record(2), record(3)])
    assert len(recent) == 2 and recent.add(record(1)) and not recent.add(record(3))
    recent.forget(record(3))
    assert recent.add(record(3))
    with pytest.raises(ValueError):
        RecentRecords(0)


def test_the_newest_records_of_a_ledger_file_are_known_at_start(tmp_path):
    from fracturescope_ledger.checkpoint import CheckpointSigner
    from fracturescope_ledger.store import LedgerStore
    with LedgerStore(tmp_path / 'l.db', CheckpointSigner.from_key_file(tmp_path / 'k.pem')) as store:
        for stamp in range(5):
            store.append_sync(record(stamp))
        recent = RecentRecords.of_store(store, 3)
    assert len(recent) == 3 and not recent.add(record(4)) and recent.add(record(1))
