"""fracturescope-operator-centre: run the operator centre (MQTT intake, store, ledger witness, web dashboard) until
Ctrl-C, with a line a person can read every --report-every seconds; or add an operator account.

    fracturescope-operator-centre --config config/operator_centre.yaml [--store postgresql://...]
    fracturescope-operator-centre --config config/operator_centre.yaml add-user alice   (password from stdin)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import getpass
from pathlib import Path
import signal
import sys
import threading

from fracturescope_common.operator_commands import CommandSigner

from fracturescope_operator.centre import OperatorCentre
from fracturescope_operator.centre_config import CentreConfig, CentreConfigError, load_centre_config
from fracturescope_operator.centre_link import CentreLink
from fracturescope_operator.dashboard import DashboardServer, make_app
from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_operator.ledger_witness import ALARMS, LedgerWitness
from fracturescope_operator.operator_accounts import AccountsFile, Sessions


def report_line(centre: OperatorCentre, connected: bool) -> str:
    robots = centre.store.robots()
    alarms = [f'{r.robot_id}: {r.witness_state}' for r in robots if r.witness_state in ALARMS]
    counts = centre.counts
    refused = sum(n for outcome, n in counts.items() if outcome.startswith('refused_'))
    return (f'broker {"connected" if connected else "DISCONNECTED"}; {centre.store.alert_count()} alerts stored '
            f'({counts["alert"]} this run, {counts["duplicate"]} duplicates dropped, {refused} refused); '
            f'{len(robots)} robots; ledger alarms: {", ".join(alarms) or "none"}')


def add_user(config: CentreConfig, user: str) -> int:
    password = getpass.getpass(f'password for {user}: ') if sys.stdin.isatty() else sys.stdin.readline().rstrip('\n')
    try:
        AccountsFile(config.accounts_file).set_password(user, password)
    except ValueError as error:
        print(f'fracturescope-operator-centre: {error}', file=sys.stderr)
        return 2
    print(f'{user} can log in to the dashboard ({config.accounts_file})')
    return 0


def run(config: CentreConfig, store_url: str, report_every_s: float) -> int:
    accounts = AccountsFile(config.accounts_file).read()
    store = open_fleet_store(store_url)
    signer = CommandSigner.from_key_file(config.operator_key, config.operator_id, create=True)
    link: CentreLink | None = None
    centre = OperatorCentre(store, LedgerWitness(config.ledger_keys), signer,
                            lambda topic, payload: link.publish(topic, payload),
                            telemetry_keep_s=config.telemetry_keep_s)
    link = CentreLink(config.broker, centre.handle, lambda line: print(f'ERROR {line}', file=sys.stderr))
    app = make_app(centre, Sessions(accounts), config.secure_cookie, lambda line: print(f'command: {line}', flush=True))
    server = DashboardServer(app, config.dashboard_host, config.dashboard_port)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    link.start()
    server.start()
    print(f'operator centre: broker {config.broker.host}:{config.broker.port}, store {store_url}, '
          f'{len(config.ledger_keys)} robots registered, {len(accounts)} operator accounts, operator key '
          f'{config.operator_key}\ndashboard: {server.url}', flush=True)
    try:
        while not stop.wait(report_every_s):
            print(report_line(centre, link.connected.is_set()), flush=True)
    finally:
        server.stop()
        link.stop()
        print(report_line(centre, False), flush=True)
        store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', type=Path, required=True, help='operator_centre.yaml')
    parser.add_argument('--store', help='overrides the store URL of the configuration')
    parser.add_argument('--report-every', type=float, default=10.0, help='seconds between report lines')
    parser.add_argument('action', nargs='*', help='add-user NAME: add or change an operator account')
    args = parser.parse_args(argv)
    try:
        config = load_centre_config(args.config)
    except CentreConfigError as error:
        print(f'fracturescope-operator-centre: {error}', file=sys.stderr)
        return 2
    if args.action:
        if len(args.action) != 2 or args.action[0] != 'add-user':
            parser.error('the only action is: add-user NAME')
        return add_user(config, args.action[1])
    return run(config, args.store or config.store_url, args.report_every)


if __name__ == '__main__':
    sys.exit(main())
