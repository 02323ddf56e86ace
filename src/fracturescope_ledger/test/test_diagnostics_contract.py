"""The ledger node's /diagnostics contract: a fresh node reports every key, counters at 0."""

from fracturescope_common.health import Health
from fracturescope_ledger.diagnostics_contract import (
    BLOCKS,
    BLOCKS_OF,
    CHECKPOINT_ROOT,
    DATABASE,
    LEDGER,
    REJECTED,
)
from fracturescope_ledger.messages import RECORD_TYPES


def test_a_fresh_ledger_reports_every_declared_key_and_a_block_count_per_record_type():
    health = Health(LEDGER.counters)
    health.count(BLOCKS_OF['defect'], 2)
    status = LEDGER.status('/ledger', 0, '0 blocks', {BLOCKS: 0, DATABASE: '/var/ledger.db', CHECKPOINT_ROOT: ''},
                           health.counters)
    reading = LEDGER.read(status)
    assert {kv.key for kv in status.values} == {key.name for key in LEDGER.keys}
    assert reading[REJECTED] == 0 and reading[CHECKPOINT_ROOT] == ''
    assert reading.family(BLOCKS_OF) == {'defect': 2, 'edge': 0, 'thermal': 0}
    assert BLOCKS_OF.members == RECORD_TYPES
