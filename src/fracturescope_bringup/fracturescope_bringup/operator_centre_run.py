"""The main job's operator centre: fracturescope_operator's centre on the simulated graph's broker while the graph
runs, storing the simulated robot's alerts, witnessing its ledger and serving the dashboard (one login, made for the
run and printed). Its store and the operator key are kept in the ledger folder, so the witness carries on from one
run to the next as it would for a real robot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import secrets
import socket

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.keys import raw_public_key
from fracturescope_common.operator_commands import CommandSigner
from fracturescope_operator.centre import OperatorCentre
from fracturescope_operator.centre_link import CentreLink
from fracturescope_operator.dashboard import DashboardServer, make_app
from fracturescope_operator.fleet_store import FleetStore, open_fleet_store
from fracturescope_operator.ledger_witness import ALARMS, LedgerWitness
from fracturescope_operator.operator_accounts import Sessions, hash_password
from fracturescope_uplink.mqtt_link import BrokerSettings

from fracturescope_bringup.operator_link_summary import node_parameters
from fracturescope_bringup.summary import Summary

DASHBOARD_PORT = 8080   # tried first; any free port when it is taken
USER = 'operator'


def dashboard_port() -> int:
    with socket.socket() as probe:
        try:
            probe.bind(('127.0.0.1', DASHBOARD_PORT))
        except OSError:
            return 0
    return DASHBOARD_PORT


@dataclass
class CentreRun:
    robot_id: str
    store: FleetStore
    centre: OperatorCentre
    link: CentreLink
    server: DashboardServer
    password: str

    @classmethod
    def start(cls, uplink: object, ledger_dir: Path, operator_key: Ed25519PrivateKey,
              ledger_key: Ed25519PrivateKey) -> CentreRun:
        """On the broker the uplink node (a NodeSpec) is given; the robot's ledger key is registered."""
        p = node_parameters(uplink)
        store = open_fleet_store(ledger_dir / 'operator_centre.db')
        link: CentreLink | None = None
        centre = OperatorCentre(store, LedgerWitness({p['robot_id']: raw_public_key(ledger_key)}),
                                CommandSigner(operator_key, 'operator'),
                                lambda topic, payload: link.publish(topic, payload))
        link = CentreLink(BrokerSettings(p['broker_host'], int(p['broker_port']), 'fracturescope-centre-main-job',
                                         p['username'], p['password']), centre.handle, lambda line: None)
        password = secrets.token_urlsafe(9)
        server = DashboardServer(make_app(centre, Sessions({USER: hash_password(password)}), on_command=print),
                                 '127.0.0.1', dashboard_port())
        server.start()
        link.start()
        return cls(p['robot_id'], store, centre, link, server, password)

    @property
    def address(self) -> str:
        return f'{self.server.url} (user {USER}, password {self.password}: this run only)'

    def witnessed(self) -> bool:
        """The robot's ledger has been witnessed (its first checkpoint alert arrived and was judged)."""
        robot = self.store.robot(self.robot_id)
        return robot is not None and robot.witness_state != 'unwitnessed'

    def stop(self) -> None:
        self.server.stop()
        self.link.stop()

    def add_rows(self, summary: Summary) -> None:
        robot = self.store.robot(self.robot_id)
        stored = self.store.alert_count(self.robot_id)
        telemetry = self.store.telemetry(self.robot_id, limit=100_000)
        aligned = [t.telemetry['alignment'] for t in telemetry if (t.telemetry.get('alignment') or {}).get('measured')]
        thermal = telemetry[-1].telemetry['thermal'] if telemetry else []
        counts = self.centre.counts
        refused = sum(n for outcome, n in counts.items() if outcome.startswith('refused_'))
        state = robot.witness_state if robot else 'unwitnessed'
        problem = None
        if not counts['alert']:   # it subscribed before the robot started: every alert is its to get
            problem = 'operator centre: nothing of the simulated robot reached the centre'
        elif state in ALARMS:
            problem = f'operator centre: the ledger witness says {state}: {robot.witness_detail}'
        summary.add('operator centre', f'{counts["alert"]} alerts of {self.robot_id} stored this run ({stored} in '
                    f'all, {counts["duplicate"]} duplicates dropped, {refused} refused); ledger witness: {state}'
                    f'{": " + robot.witness_detail if robot and robot.witness_detail else ""}; telemetry: '
                    f'{len(telemetry)} summaries in all, {len(aligned)} with edge alignment'
                    f'{alignment_text(aligned[-1]) if aligned else ""}, thermal states '
                    f'{", ".join(t["label"] + " (" + t["camera"] + ")" for t in thermal) or "none"}; '
                    f'dashboard was at {self.server.url}', problem, alerts=counts['alert'], witness=state,
                    proof_checked=bool(robot and 'proof checked' in robot.witness_detail),
                    telemetry=len(telemetry), alignment_points=len(aligned), thermal_cameras=len(thermal))


def alignment_text(alignment: dict) -> str:
    return (f' (last: left {alignment["mean_left_mm"]:+.1f} mm, right {alignment["mean_right_mm"]:+.1f} mm '
            f'from the standard)')
