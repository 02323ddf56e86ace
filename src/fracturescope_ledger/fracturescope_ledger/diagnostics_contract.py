"""The ledger node's /diagnostics (see fracturescope_common.diagnostics_contract): every key it publishes."""

from fracturescope_common.diagnostics_contract import Family, NodeContract, count, text

from fracturescope_ledger.messages import RECORD_TYPES

BLOCKS, DATABASE, CHECKPOINT_ROOT = count('blocks'), text('database'), text('checkpoint_root')  # root '' before one
BLOCKS_WRITTEN = count('blocks_written')            # since the node started
BLOCKS_OF = Family('blocks_', RECORD_TYPES)         # written since start, per record type: observers reconcile
REJECTED, LOST_IN_TRANSPORT = count('rejected'), count('lost_in_transport')
APPEND_FAILED, VERIFY_FAILED = count('append_failed'), count('verify_failed')
INCOMPATIBLE_PUBLISHERS = count('incompatible_publishers')   # producers whose QoS the ledger cannot record from
DUPLICATES = count('duplicates')                     # results delivered again (after a restart): not recorded twice

LEDGER = NodeContract(
    'ledger',
    values=(BLOCKS, DATABASE, CHECKPOINT_ROOT),
    counters=(BLOCKS_WRITTEN, *BLOCKS_OF.keys, REJECTED, LOST_IN_TRANSPORT, APPEND_FAILED, VERIFY_FAILED,
              DUPLICATES, INCOMPATIBLE_PUBLISHERS),
)
