"""The centre's store on both databases it supports: SQLite on disk and a real PostgreSQL server."""

from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_uplink.alert_schema import new_alert
import pytest


@pytest.fixture(params=['sqlite', 'postgresql'])
def store(request, tmp_path):
    url = str(tmp_path / 'centre.db') if request.param == 'sqlite' else request.getfixturevalue('postgres_url')
    opened = open_fleet_store(url)
    yield opened
    opened.close()


def alert(robot='robot-1', stamp_ns=1, kind='defect', label='crack'):
    return new_alert(robot, kind, stamp_ns, label, 0.9, {'location': 'pier-3'})


def test_alerts_are_kept_once_in_arrival_order_and_read_back_whole(store):
    first, second = alert(stamp_ns=1), alert('robot-2', stamp_ns=2, kind='thermal', label='hot')
    assert store.add_alert(first, received_ns=100)
    assert not store.add_alert(first, received_ns=101)        # a duplicate delivery
    assert store.add_alert(second, received_ns=102)
    stored = store.alerts()
    assert [s.alert for s in stored] == [first, second] and stored[0].received_ns == 100
    assert [s.alert['alert_id'] for s in store.alerts(after_seq=stored[0].seq)] == [second['alert_id']]
    assert [s.alert['robot_id'] for s in store.alerts(robot_id='robot-2')] == ['robot-2']
    assert [s.alert['kind'] for s in store.alerts(kind='defect')] == ['defect']
    assert [s.alert['stamp_ns'] for s in store.latest_alerts(limit=1)] == [2]
    assert store.alert_count() == 2 and store.alert_count('robot-2') == 1 and store.alert_count('robot-9') == 0
    assert [(r.robot_id, r.last_seen_ns) for r in store.robots()] == [('robot-1', 101), ('robot-2', 102)]


def test_status_and_witness_state_per_robot(store):
    store.record_status('robot-1', {'link': {'connected': True}, 'outbox': {'queued': 3}}, received_ns=5)
    store.record_witness('robot-1', 'ok', 'checkpoint 10 extends 0', size=10, root='ab' * 32)
    store.record_witness('robot-1', 'rewritten', 'checkpoint 12 does not extend 10')
    robot = store.robot('robot-1')
    assert robot.status == {'link': {'connected': True}, 'outbox': {'queued': 3}} and robot.last_seen_ns == 5
    assert (robot.witness_state, robot.witnessed_size, robot.witnessed_root) == ('rewritten', 10, 'ab' * 32)
    store.record_witness('robot-9', 'unknown_robot', 'not registered')    # a robot seen only by its checkpoint
    assert store.robot('robot-9').witness_state == 'unknown_robot' and store.robot('nobody') is None


def test_every_command_is_logged_with_its_sender_and_gets_its_ack(store):
    seq = store.log_command('robot-1', 'alice', 'stop', nonce=2**63 + 5, sent_ns=7)
    assert not store.record_ack('robot-1', {'nonce': 1, 'accepted': True})        # no such command
    assert store.record_ack('robot-1', {'nonce': 2**63 + 5, 'accepted': True, 'reason': 'forwarded'})
    (command,) = store.commands()
    assert (command.seq, command.operator, command.command, int(command.nonce), command.ack['reason']) == \
        (seq, 'alice', 'stop', 2**63 + 5, 'forwarded')


def telemetry(robot='robot-1', stamp_ns=1, mean_left_mm=1.5):
    return {'schema': 'fracturescope.telemetry/1', 'robot_id': robot, 'stamp_ns': stamp_ns, 'edge_status': {},
            'alignment': {'mean_left_mm': mean_left_mm}, 'thermal': [{'camera': 'thermal/image', 'label': 'warm'}]}


def test_telemetry_is_kept_per_robot_read_by_time_and_forgotten_after_its_retention(store):
    first = store.add_telemetry(telemetry(stamp_ns=1, mean_left_mm=1.0), received_ns=100)
    store.add_telemetry(telemetry('robot-2', stamp_ns=2), received_ns=150)
    store.add_telemetry(telemetry(stamp_ns=3, mean_left_mm=-2.0), received_ns=200)
    assert [t.telemetry['stamp_ns'] for t in store.telemetry('robot-1')] == [1, 3]
    assert [t.received_ns for t in store.telemetry('robot-1', since_ns=150)] == [200]
    assert [t.telemetry['stamp_ns'] for t in store.telemetry('robot-1', after_seq=first)] == [3]
    assert [t.telemetry['stamp_ns'] for t in store.telemetry('robot-1', limit=1)] == [3]   # the newest
    latest = store.latest_telemetry()
    assert sorted(latest) == ['robot-1', 'robot-2'] and latest['robot-1'].telemetry['alignment']['mean_left_mm'] == -2.0
    assert store.robot('robot-2').last_seen_ns == 150                 # telemetry is a sign of life
    assert store.forget_telemetry(before_ns=160) == 2
    assert [t.telemetry['stamp_ns'] for t in store.telemetry('robot-1')] == [3] and store.telemetry('robot-2') == []


def test_the_store_survives_a_reopen(tmp_path):
    path = tmp_path / 'centre.db'
    store = open_fleet_store(f'sqlite://{path}')
    store.add_alert(alert(), received_ns=1)
    store.close()
    again = open_fleet_store(str(path))
    assert not again.add_alert(alert(), received_ns=2) and again.alert_count() == 1
    again.close()
