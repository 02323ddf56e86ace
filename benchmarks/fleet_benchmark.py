"""A fleet through one broker to one operator centre: --robots load-generator robots (each a paho client speaking
the uplink's protocol: fracturescope.alert/1 JSON, QoS 1, on fracturescope/<robot>/alerts/defect) publish through one
real mosquitto to the centre (fracturescope_operator: its MQTT link with a persistent session, the store -- SQLite
by default, --postgres for a real PostgreSQL server -- as `fracturescope-operator-centre` runs it).

    python benchmarks/fleet_benchmark.py [--robots 50] [--rates 2,10,40,100] [--seconds 20] [--postgres]

For each per-robot rate: offered and stored alerts per second (the stored rate is the sustained ingestion once the
offered one is beyond it), robot publish -> stored at the centre latency p50 / p99 (what the dashboard's
/api/state serves: it reads the store), and alerts lost after a drain (none may be). Loopback, one machine: the
robots' clients share its cores with the broker and the centre.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time

from bench_report import print_figure, save_results
from fracturescope_operator.centre import OperatorCentre
from fracturescope_operator.centre_link import CentreLink
from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_operator.ledger_witness import LedgerWitness
from fracturescope_testing.mqtt_broker import MosquittoBroker
from fracturescope_testing.postgres_server import PostgresServer
from fracturescope_uplink.alert_schema import alerts_topic, encode, new_alert
from fracturescope_uplink.mqtt_link import BrokerSettings, paho_client
import numpy as np
import paho.mqtt.client as mqtt

DRAIN_S = 30.0


def robot_client(broker: MosquittoBroker, robot_id: str) -> mqtt.Client:
    client = paho_client(BrokerSettings(broker.host, broker.port, robot_id), clean_session=True)
    client.max_inflight_messages_set(100)
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def publish_at(client: mqtt.Client, robot_id: str, rate_hz: float, seconds: float, first: int, sent: list[int]) -> None:
    """One robot: an alert every 1 / rate_hz s for `seconds`, stamped with its wall-clock publish time."""
    period, start = 1.0 / rate_hz, time.monotonic()
    for i in range(int(rate_hz * seconds)):
        delay = start + i * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        alert = new_alert(robot_id, 'defect', time.time_ns(), 'crack', 0.9,
                          {'location': f'{robot_id}/zone-{i % 7}', 'anomaly_score': 0.2, 'is_anomaly': False,
                           'image_sha256': [f'{first + i:064x}', 'f' * 64], 'model_id': 'fusion@bench',
                           'regions': [{'label': 'crack', 'confidence': 0.9, 'x': 10, 'y': 20, 'width': 30,
                                        'height': 40}]}, finding=str(first + i))
        client.publish(alerts_topic(robot_id, 'defect'), encode(alert), qos=1)
        sent.append(1)


def step(broker: MosquittoBroker, store_url: str, robots: int, rate_hz: float, seconds: float) -> dict:
    store = open_fleet_store(store_url)
    centre = OperatorCentre(store, LedgerWitness({}))
    link = CentreLink(BrokerSettings(broker.host, broker.port, f'centre-bench-{rate_hz:g}'), centre.handle)
    link.start()
    assert link.connected.wait(10.0), 'the centre did not connect'
    time.sleep(0.5)                                  # its subscription is in place
    clients = [robot_client(broker, f'robot-{r:03d}') for r in range(robots)]
    sent: list[int] = []
    before = store.alert_count()
    started = time.monotonic()
    threads = [threading.Thread(target=publish_at, args=(c, f'robot-{r:03d}', rate_hz, seconds, r * 10**7, sent))
               for r, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    offered_s = time.monotonic() - started
    stored_by_end = store.alert_count() - before
    deadline = time.monotonic() + DRAIN_S
    while store.alert_count() - before < len(sent) and time.monotonic() < deadline:
        time.sleep(0.2)
    drained_s = time.monotonic() - started
    stored = store.alert_count() - before
    latency_ms = np.array([(s.received_ns - s.alert['stamp_ns']) / 1e6 for s in store.alerts(limit=10**7)])
    for client in clients:
        client.disconnect()
        client.loop_stop()
    link.stop()
    store.close()
    return {'robots': robots, 'rate_per_robot_hz': rate_hz, 'offered_per_s': len(sent) / offered_s,
            'stored_per_s_while_offered': stored_by_end / offered_s, 'stored_per_s_until_drained': stored / drained_s,
            'sent': len(sent), 'stored': stored, 'lost': len(sent) - stored,
            'latency_ms_p50': float(np.percentile(latency_ms, 50)),
            'latency_ms_p99': float(np.percentile(latency_ms, 99))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--robots', type=int, default=50, help='load-generator robots (count)')
    parser.add_argument('--rates', default='2,10,40,100', help='alerts per second per robot, one step each (Hz)')
    parser.add_argument('--seconds', type=float, default=20.0, help='length of each step (s)')
    parser.add_argument('--postgres', action='store_true', help='the centre stores into a real PostgreSQL server')
    args = parser.parse_args()
    steps = []
    with tempfile.TemporaryDirectory(prefix='fleet-bench-') as work, MosquittoBroker(work) as broker:
        for rate in (float(r) for r in args.rates.split(',')):
            if args.postgres:
                with PostgresServer() as server:
                    steps.append(step(broker, server.url, args.robots, rate, args.seconds))
            else:
                steps.append(step(broker, f'{work}/centre-{rate:g}.db', args.robots, rate, args.seconds))
            s = steps[-1]
            name = f'{args.robots} robots x {rate:g}/s'
            print_figure(f'{name}: offered alerts/s', s['offered_per_s'], 'report', None)
            print_figure(f'{name}: stored alerts/s while offered', s['stored_per_s_while_offered'], 'report', None)
            print_figure(f'{name}: publish -> stored p50 (ms)', s['latency_ms_p50'], 'report', None)
            print_figure(f'{name}: publish -> stored p99 (ms)', s['latency_ms_p99'], 'report', None)
            print_figure(f'{name}: alerts lost', s['lost'], '0', s['lost'] == 0)
    save_results('fleet_postgres' if args.postgres else 'fleet', {'steps': steps}, {'lost': 0},
                 robots=args.robots, rates=args.rates, seconds=args.seconds,
                 store='postgresql' if args.postgres else 'sqlite')


if __name__ == '__main__':
    main()
