"""The outbox on a real SQLite file: durable order per kind, acknowledgement, the full-outbox policy, restart."""

from fracturescope_uplink.outbox import ALERT_DROPPED, REFUSED_FULL, THUMBNAIL_DROPPED, Outbox, OutboxError
import pytest


def add(outbox, n, kind='defect', priority=3, body=b'x' * 10, thumbnail=None, ready_ns=0):
    return outbox.add(f'{kind}-{n}', kind, priority, body, thumbnail, ready_ns)


def test_alerts_go_in_order_per_kind_higher_priority_first(tmp_path):
    outbox = Outbox(tmp_path / 'o.db', 100, 10_000)
    for n in range(3):
        add(outbox, n, 'checkpoint', 1)
        add(outbox, n, 'defect', 3)
    sent = outbox.next_to_send(now_ns=1, in_flight=[], limit=10)
    assert [a.alert_id for a in sent] == ['defect-0', 'defect-1', 'defect-2',
                                           'checkpoint-0', 'checkpoint-1', 'checkpoint-2']


def test_a_row_not_ready_holds_back_the_later_rows_of_its_kind_only(tmp_path):
    outbox = Outbox(tmp_path / 'o.db', 100, 10_000)
    add(outbox, 0, 'defect', ready_ns=100)
    add(outbox, 1, 'defect', ready_ns=0)
    add(outbox, 0, 'control', 2, ready_ns=0)
    assert [a.alert_id for a in outbox.next_to_send(50, [], 10)] == ['control-0']
    assert [a.alert_id for a in outbox.next_to_send(100, [], 10)] == ['defect-0', 'defect-1', 'control-0']


def test_in_flight_rows_are_skipped_and_acknowledged_ones_are_gone_after_a_restart(tmp_path):
    outbox = Outbox(tmp_path / 'o.db', 100, 10_000)
    seqs = [add(outbox, n).seq for n in range(3)]
    assert [a.seq for a in outbox.next_to_send(1, [seqs[0]], 10)] == seqs[1:]
    outbox.acknowledged(seqs[0])
    outbox.close()
    reopened = Outbox(tmp_path / 'o.db', 100, 10_000)
    assert [a.seq for a in reopened.next_to_send(1, [], 10)] == seqs[1:]
    assert reopened.stats().queued == reopened.queued == 2 and reopened.stats().queued_bytes == 20


def test_full_outbox_drops_thumbnails_first_then_the_oldest_lowest_priority_and_counts_it(tmp_path):
    outbox = Outbox(tmp_path / 'o.db', max_alerts=3, max_bytes=1_000)
    assert add(outbox, 0, 'defect', 3, thumbnail=b't' * 500).full is None   # room: nothing to say
    add(outbox, 0, 'checkpoint', 1)
    add(outbox, 1, 'checkpoint', 1)
    result = add(outbox, 1, 'defect', 3, body=b'y' * 600)        # too many bytes: the thumbnail goes
    assert result.accepted and result.dropped_thumbnails == 1
    assert result.dropped_alerts == [('checkpoint', 'checkpoint-0')]  # too many alerts: the lowest, oldest goes
    assert result.full == 'pushed out 1 older'
    before = outbox.next_to_send(1, [], 10)
    refused = add(outbox, 2, 'checkpoint', 1, body=b'z' * 600)   # fits only if a defect went: refused, none goes
    assert not refused.accepted and refused.dropped_alerts == [] and outbox.next_to_send(1, [], 10) == before
    assert refused.full == 'refused'
    swapped = add(outbox, 3, 'checkpoint', 1, body=b'z' * 20)     # fits once checkpoint-1 went
    assert swapped.accepted and swapped.dropped_alerts == [('checkpoint', 'checkpoint-1')]
    assert not add(outbox, 9, 'checkpoint', 0).accepted           # a newcomer below everything queued is refused
    drops = outbox.stats().drops
    assert drops == {('defect', THUMBNAIL_DROPPED): 1, ('checkpoint', ALERT_DROPPED): 2,
                     ('checkpoint', REFUSED_FULL): 2}
    outbox.close()
    assert Outbox(tmp_path / 'o.db', 3, 1_000).stats().drops == drops   # the counts survive a restart


def test_an_alert_larger_than_the_whole_outbox_is_refused_and_counted(tmp_path):
    outbox = Outbox(tmp_path / 'o.db', 10, 100)
    assert not add(outbox, 0, body=b'x' * 101).accepted
    assert outbox.stats().drops == {('defect', REFUSED_FULL): 1} and outbox.stats().queued == 0


def test_update_replaces_the_body_and_releases_the_row(tmp_path):
    outbox = Outbox(tmp_path / 'o.db', 10, 1_000)
    seq = add(outbox, 0, ready_ns=10**18).seq
    assert outbox.next_to_send(1, [], 10) == []
    assert outbox.update(seq, b'{"ledger":1}', ready_ns=0)
    assert [a.body for a in outbox.next_to_send(1, [], 10)] == [b'{"ledger":1}']
    outbox.acknowledged(seq)
    assert not outbox.update(seq, b'{}', 0)


def test_a_full_disk_is_a_clear_error_and_what_was_stored_stays(tmp_path):
    outbox = Outbox(tmp_path / 'o.db', 1_000, 10_000_000)
    add(outbox, 0)
    # SQLite's own limit gives the error a full disk gives (SQLITE_FULL, "database or disk is full")
    outbox._db.execute('PRAGMA max_page_count = ' + str(outbox._db.execute('PRAGMA page_count').fetchone()[0]))
    with pytest.raises(OutboxError, match=r'alert defect-\d+ not stored .*database or disk is full'):
        for n in range(1, 200):
            add(outbox, n, body=b'x' * 4000)
    assert outbox.stats().queued >= 1
    assert [a.alert_id for a in outbox.next_to_send(1, [], 1)] == ['defect-0']


def test_an_alert_queued_already_is_not_stored_twice(tmp_path):
    outbox = Outbox(tmp_path / 'o.db', 1, 1_000)
    add(outbox, 0)
    again = add(outbox, 0)     # e.g. a restarted uplink receiving the same detection: nothing evicted for it
    assert again.duplicate and not again.accepted and again.dropped_alerts == [] and again.full is None
    assert outbox.stats().queued == 1 and outbox.stats().drops == {}
