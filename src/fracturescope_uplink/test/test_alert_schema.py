"""The alert's wire format, as a receiver checks it."""

import base64
import json

from fracturescope_uplink.alert_schema import alerts_topic, decode, encode, new_alert, with_thumbnail
import pytest


def test_an_alert_round_trips():
    a = new_alert('robot-7', 'defect', 5, 'crack', 0.9, {'location': 'pier-3'})
    b = new_alert('robot-7', 'defect', 5, 'crack', 0.9, {'location': 'pier-3'})
    assert decode(encode(a)) == a and a['alert_id'] == b['alert_id']
    assert alerts_topic('robot-7', 'defect') == 'fracturescope/robot-7/alerts/defect'
    with_jpeg = decode(with_thumbnail(encode(a), b'\xff\xd8jpeg'))
    assert base64.b64decode(with_jpeg['thumbnail']['jpeg_base64']) == b'\xff\xd8jpeg'


def test_unknown_kinds_and_nan_are_refused_when_made():
    with pytest.raises(ValueError, match='unknown alert kind'):
        new_alert('robot-7', 'gossip', 0, 'x', None, {})
    with pytest.raises(ValueError):
        encode(new_alert('robot-7', 'defect', 0, 'crack', float('nan'), {}))


@pytest.mark.parametrize('payload, message', [
    (b'not json', 'not JSON'), (b'[]', 'not a fracturescope.alert/1'), (b'x' * 70_000, 'bytes'),
    (json.dumps({'schema': 'fracturescope.alert/1', 'alert_id': 'x'}).encode(), "field 'robot_id'"),
])
def test_a_receiver_refuses_what_is_no_alert(payload, message):
    with pytest.raises(ValueError, match=message):
        decode(payload)


def test_the_same_finding_makes_the_same_id_and_another_finding_another():
    a = new_alert('robot-7', 'defect', 5, 'crack', 0.9, {}, finding='a' * 64)
    assert new_alert('robot-7', 'defect', 5, 'crack', 0.8, {}, finding='a' * 64)['alert_id'] == a['alert_id']
    assert new_alert('robot-7', 'defect', 6, 'crack', 0.9, {}, finding='a' * 64)['alert_id'] != a['alert_id']
    assert new_alert('robot-8', 'defect', 5, 'crack', 0.9, {}, finding='a' * 64)['alert_id'] != a['alert_id']
