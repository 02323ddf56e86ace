"""The records the ledger already holds, by identity, so that a result delivered twice becomes one block.

Producers keep their latest results in DDS history (transient local) and a restarted ledger receives that history
again: whatever of it was recorded before the crash must not be recorded twice. A record's identity is its type,
its source stamp and its image digests (two results of one image at one stamp are one result). The last `capacity`
identities are kept in memory, read back from the file at start; the producers' history is far shorter.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable

from fracturescope_ledger.block import LedgerRecord, MalformedBlock, RecordLimits
from fracturescope_ledger.store import LedgerStore

Identity = tuple[str, int, tuple[bytes, ...]]


def identity(record: LedgerRecord) -> Identity:
    return record.record_type, record.source_stamp_ns, record.image_sha256


class RecentRecords:
    def __init__(self, capacity: int, recorded: Iterable[LedgerRecord] = ()) -> None:
        if capacity < 1:
            raise ValueError('capacity must be at least 1')
        self.capacity = capacity
        self._seen: OrderedDict[Identity, None] = OrderedDict()
        for record in recorded:
            self.add(record)

    def add(self, record: LedgerRecord) -> bool:
        """Remember `record`; False when an equal one is already held (a duplicate: do not record it)."""
        key = identity(record)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    @classmethod
    def of_store(cls, store: LedgerStore, capacity: int) -> RecentRecords:
        """The newest `capacity` records of `store`; of a file damaged there, what could be read (such a ledger
        refuses every append anyway, see store.py)."""
        recent = cls(capacity)
        try:
            for block in store.iter_blocks(max(0, store.size - capacity)):
                recent.add(block.record)
        except MalformedBlock:
            pass
        return recent

    def forget(self, record: LedgerRecord) -> None:
        """The append of `record` failed: a later delivery of it may be recorded."""
        self._seen.pop(identity(record), None)

    def __len__(self) -> int:
        return len(self._seen)


class Intake:
    """What becomes of a record before it is appended: checked (InvalidRecord says why not) and, when the ledger
    already holds it, dropped as a duplicate."""

    def __init__(self, limits: RecordLimits, recent: RecentRecords) -> None:
        self.limits, self.recent = limits, recent

    def admit(self, record: LedgerRecord, allowed_labels: Collection[str] | None) -> bool:
        """True: append it; False: a duplicate; raises InvalidRecord for a record the ledger does not take."""
        record.validate(allowed_labels)
        self.limits.check(record)
        return self.recent.add(record)
