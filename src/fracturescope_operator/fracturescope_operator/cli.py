"""fracturescope-operator-centre: run the operator centre (MQTT intake, store, ledger witness) until Ctrl-C, with a
line a person can read every --report-every seconds.

    fracturescope-operator-centre --config config/operator_centre.yaml [--store postgresql://...]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
import signal
import sys
import threading

from fracturescope_common.operator_commands import CommandSigner

from fracturescope_operator.centre import OperatorCentre
from fracturescope_operator.centre_config import CentreConfigError, load_centre_config
from fracturescope_operator.centre_link import CentreLink
from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_operator.ledger_witness import ALARMS, LedgerWitness


def report_line(centre: OperatorCentre, connected: bool) -> str:
    robots = centre.store.robots()
    alarms = [f'{r.robot_id}: {r.witness_state}' for r in robots if r.witness_state in ALARMS]
    counts = centre.counts
    refused = sum(n for outcome, n in counts.items() if outcome.startswith('refused_'))
    return (f'broker {"connected" if connected else "DISCONNECTED"}; {centre.store.alert_count()} alerts stored '
            f'({counts["alert"]} this run, {counts["duplicate"]} duplicates dropped, {refused} refused); '
            f'{len(robots)} robots; ledger alarms: {", ".join(alarms) or "none"}')


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', type=Path, required=True, help='operator_centre.yaml')
    parser.add_argument('--store', help='overrides the store URL of the configuration')
    parser.add_argument('--report-every', type=float, default=10.0, help='seconds between report lines')
    args = parser.parse_args(argv)
    try:
        config = load_centre_config(args.config)
    except CentreConfigError as error:
        print(f'fracturescope-operator-centre: {error}', file=sys.stderr)
        return 2
    store = open_fleet_store(args.store or config.store_url)
    signer = CommandSigner.from_key_file(config.operator_key, config.operator_id, create=True)
    link: CentreLink | None = None
    centre = OperatorCentre(store, LedgerWitness(config.ledger_keys), signer,
                            lambda topic, payload: link.publish(topic, payload))
    link = CentreLink(config.broker, centre.handle, lambda line: print(f'ERROR {line}', file=sys.stderr))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f'operator centre: broker {config.broker.host}:{config.broker.port}, store {args.store or config.store_url},'
          f' {len(config.ledger_keys)} robots registered, operator key {config.operator_key}', flush=True)
    link.start()
    try:
        while not stop.wait(args.report_every):
            print(report_line(centre, link.connected.is_set()), flush=True)
    finally:
        link.stop()
        print(report_line(centre, False), flush=True)
        store.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
