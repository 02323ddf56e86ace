"""The uplink's logic on a real outbox: alerts made from observations, tied to their ledger blocks."""

from dataclasses import replace
import json

import cv2
from fracturescope_uplink.alert_rules import DefectRule
from fracturescope_uplink.alert_schema import decode
from fracturescope_uplink.outbox import Outbox
from fracturescope_uplink.uplink import DefectObservation, ThermalObservation, Uplink, UplinkSettings
import numpy as np
import pytest

SHA_RGB, SHA_T = 'a' * 64, 'b' * 64


class WallClock:
    def __init__(self):
        self.ns = 1_000 * 10**9

    def __call__(self):
        return self.ns


@pytest.fixture
def wall():
    return WallClock()


def make_uplink(tmp_path, wall, **overrides):
    settings = dict(robot_id='robot-7', defect_rule=DefectRule.of(['crack', 'leak', 'anomaly'], 0.5, 0.7),
                    repeat_s=10.0, edge_loss_after_s=2.0, ledger_wait_s=1.0, checkpoint_period_s=60.0,
                    thumbnail_max_px=64, thumbnail_max_bytes=4000)
    settings.update(overrides)
    return Uplink(UplinkSettings(**settings), Outbox(tmp_path / 'outbox.db', 1000, 10**7), wall_ns=wall)


def crack(stamp_ns=5, label='crack', confidence=0.9, location='pier-3'):
    return DefectObservation(stamp_ns, label, confidence, 0.2, False, location, (SHA_RGB, SHA_T), 'fusion@1',
                             ({'label': label, 'confidence': confidence, 'x': 1, 'y': 2, 'width': 3, 'height': 4},))


def ready(uplink, wall, extra_ns=0):
    return [decode(a.body) for a in uplink.outbox.next_to_send(wall.ns + extra_ns, [], 100)]


def test_a_defect_alert_waits_for_its_ledger_block_and_then_carries_its_index(tmp_path, wall):
    uplink = make_uplink(tmp_path, wall)
    checkpoint = {'tree_size': 10, 'root_hash': 'c' * 64, 'key_id': 'k' * 16, 'signature': 's' * 128}
    uplink.note_checkpoint(checkpoint, 1)
    assert uplink.checkpoint_to_send(now_s=0.0) == (checkpoint, 1, 0)
    uplink.checkpoint_alert(checkpoint, 1, None)
    uplink.outbox.acknowledged(uplink.outbox.next_to_send(wall.ns, [], 1)[0].seq)   # the checkpoint alert went
    assert uplink.defect(crack(), now_s=1.0).accepted
    assert ready(uplink, wall) == []                     # on disk, held for its block
    assert uplink.wants_image(5) and not uplink.wants_image(4)
    assert not uplink.frame_image(4, np.full((360, 640, 3), 128, np.uint8), now_s=1.1)   # another frame's
    assert uplink.frame_image(5, np.full((360, 640, 3), 128, np.uint8), now_s=1.1)
    assert not uplink.wants_image(5)
    assert uplink.ledger_block('defect', 5, SHA_RGB, index=11, block_hash='d' * 64)
    (alert,) = ready(uplink, wall)
    assert alert['kind'] == 'defect' and alert['label'] == 'crack' and alert['stamp_ns'] == 5
    assert alert['ledger'] == {'index': 11, 'block_hash': 'd' * 64,
                               'checkpoint': {'tree_size': 10, 'root_hash': 'c' * 64, 'key_id': 'k' * 16}}
    assert alert['details']['image_sha256'] == [SHA_RGB, SHA_T] and alert['details']['regions'][0]['width'] == 3
    thumbnail = uplink.outbox.next_to_send(wall.ns, [], 1)[0].thumbnail
    decoded = cv2.imdecode(np.frombuffer(thumbnail, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (36, 64, 3) and len(thumbnail) <= 4000


def test_a_block_that_came_first_is_used_at_once_and_a_late_one_lets_the_alert_go_without(tmp_path, wall):
    uplink = make_uplink(tmp_path, wall, thumbnail_max_px=0)
    assert not uplink.ledger_block('defect', 5, SHA_RGB, index=3, block_hash='e' * 64)
    uplink.defect(crack(stamp_ns=5), now_s=0.0)
    assert [a['ledger']['index'] for a in ready(uplink, wall)] == [3]
    uplink.defect(crack(stamp_ns=6, location='pier-4'), now_s=0.0)
    assert len(ready(uplink, wall)) == 1                 # the second waits for its block ...
    assert [a['ledger']['index'] for a in ready(uplink, wall, extra_ns=10**9)] == [3, None]   # ... at most 1 s
    assert uplink.forget_overdue(now_s=1.5) == 1


def test_repeats_of_one_finding_are_suppressed_and_other_findings_are_not(tmp_path, wall):
    uplink = make_uplink(tmp_path, wall)
    assert uplink.defect(crack(1), 0.0) is not None
    assert uplink.defect(crack(2), 5.0) is None                     # same crack, 5 s later
    assert uplink.defect(crack(3, label='leak'), 5.0) is not None
    assert uplink.defect(crack(4, label='none', confidence=0.99), 5.0) is None   # not an alert at all
    assert uplink.defect(crack(5), 10.0) is not None
    assert uplink.suppressed_repeats == 1 and uplink.alerts_made['defect'] == 3


def test_an_answer_to_an_operator_request_alerts_whatever_the_label_and_the_repeats(tmp_path, wall):
    uplink = make_uplink(tmp_path, wall, thumbnail_max_px=0)
    assert uplink.defect(crack(stamp_ns=1), now_s=0.0).accepted
    assert uplink.defect(crack(stamp_ns=2), now_s=1.0) is None                 # a repeat within repeat_s
    asked = replace(crack(stamp_ns=3), requested_by='operator', request_nonce=77)
    assert uplink.defect(asked, now_s=2.0).accepted                            # ... unless the operator asked
    clean = replace(crack(stamp_ns=4, label='none', confidence=0.99), requested_by='operator', request_nonce=78)
    assert uplink.defect(clean, now_s=3.0).accepted                            # "nothing there" is an answer too
    assert uplink.defect(crack(stamp_ns=5, label='none', confidence=0.99), now_s=4.0) is None
    alerts = ready(uplink, wall, extra_ns=10 * 10**9)
    assert [(a['stamp_ns'], a['label'], a['details'].get('request')) for a in alerts] == [
        (1, 'crack', None), (3, 'crack', {'issuer': 'operator', 'nonce': 77}),
        (4, 'none', {'issuer': 'operator', 'nonce': 78})]
    assert uplink.suppressed_repeats == 1


def test_thermal_edge_control_and_checkpoint_alerts(tmp_path, wall):
    uplink = make_uplink(tmp_path, wall, ledger_wait_s=0.0)
    hot = ThermalObservation(7, 'hot', True, 0.95, 88.5, 'pump-2', ({'x': 1, 'y': 1, 'width': 2, 'height': 2,
                                                                    'excess_k': 6.0},), SHA_T, 'thermal@1')
    assert uplink.thermal(hot, 0.0).accepted
    assert uplink.thermal(ThermalObservation(8, 'warm', False, 0.1, 40.0, 'pump-2', (), SHA_T, 'thermal@1'),
                          0.0) is None
    assert uplink.edges(False, 'unrecognised', 1, now_s=0.0) is None
    assert uplink.edges(False, 'unrecognised', 2, now_s=2.5).accepted
    assert uplink.control('AUTO', 'msnf', 30.0, 30.0, 3).accepted
    assert uplink.control('AUTO', 'msnf', 31.0, 30.0, 4) is None
    assert uplink.control('HOLD', 'msnf', 31.0, 30.0, 5).accepted
    checkpoint = {'tree_size': 4, 'root_hash': 'f' * 64, 'key_id': 'k' * 16, 'public_key': 'p' * 64,
                  'signature': 's' * 128, 'timestamp_ns': 9}
    uplink.note_checkpoint(checkpoint, 9)
    assert uplink.checkpoint_to_send(now_s=0.0) == (checkpoint, 9, 0)           # the first: no proof to give
    assert uplink.checkpoint_alert(checkpoint, 9, None).accepted
    assert uplink.checkpoint_to_send(now_s=1.0) is None                        # nothing new
    uplink.note_checkpoint({**checkpoint, 'tree_size': 0, 'signature': ''}, 9)   # a ledger that signed nothing
    assert uplink.checkpoint_to_send(now_s=100.0) is None
    uplink.note_checkpoint({**checkpoint, 'tree_size': 5}, 10)
    uplink.note_checkpoint({**checkpoint, 'tree_size': 6}, 11)
    assert uplink.checkpoint_to_send(now_s=30.0) is None                       # one per minute ...
    assert uplink.checkpoint_to_send(now_s=60.0) == ({**checkpoint, 'tree_size': 6}, 11, 4)   # ... the newest
    alerts = ready(uplink, wall, extra_ns=1)
    assert [(a['kind'], a['label']) for a in alerts] == [('thermal', 'hot'), ('edge_loss', 'lost'),
                                                         ('control', 'AUTO'), ('control', 'HOLD'),
                                                         ('checkpoint', 'checkpoint')]
    assert alerts[3]['details']['previous_mode'] == 'AUTO'
    assert alerts[1]['details'] == {'lost_for_s': 2.5, 'last_status': 'unrecognised'}
    assert alerts[4]['details'] == {**checkpoint, 'consistency': None}
    assert json.loads(json.dumps(alerts)) == alerts


def test_a_checkpoint_alert_proves_it_extends_the_last_one_sent_even_after_a_restart(tmp_path, wall):
    uplink = make_uplink(tmp_path, wall)
    first = {'tree_size': 4, 'root_hash': 'a' * 64, 'key_id': 'k' * 16, 'signature': 's' * 128}
    uplink.checkpoint_alert(first, 1, None)
    uplink.outbox.close()
    restarted = make_uplink(tmp_path, wall)
    second = {**first, 'tree_size': 9, 'root_hash': 'b' * 64}
    restarted.note_checkpoint(second, 2)
    assert restarted.checkpoint_to_send(now_s=0.0)[2] == 4          # the proof must start at the size sent
    proof = {'first_size': 4, 'first_root_hash': 'a' * 64, 'proof': ['c' * 64]}
    assert restarted.checkpoint_alert(second, 2, proof).accepted
    restarted.note_checkpoint({**second, 'tree_size': 12}, 3)
    assert restarted.checkpoint_to_send(now_s=61.0)[2] == 9
    (_, alert) = ready(restarted, wall)
    assert alert['details']['consistency'] == proof


def test_with_its_block_known_a_defect_alert_still_waits_for_its_thumbnail_but_not_longer(tmp_path, wall):
    uplink = make_uplink(tmp_path, wall)
    uplink.defect(crack(stamp_ns=5), now_s=0.0)
    uplink.defect(crack(stamp_ns=6, location='pier-4'), now_s=0.0)
    assert uplink.ledger_block('defect', 5, SHA_RGB, index=1, block_hash='1' * 64)
    assert uplink.ledger_block('defect', 6, SHA_RGB, index=2, block_hash='2' * 64)
    assert ready(uplink, wall) == []                        # both wait for their frames
    assert uplink.frame_image(5, np.zeros((90, 160, 3), np.uint8), now_s=0.5)
    assert [a['ledger']['index'] for a in ready(uplink, wall)] == [1]
    assert [a['ledger']['index'] for a in ready(uplink, wall, extra_ns=10**9)] == [1, 2]   # no frame: 1 s at most
    assert uplink.forget_overdue(now_s=1.5) == 1 and not uplink.frame_image(6, np.zeros((9, 16, 3), np.uint8), 1.6)
