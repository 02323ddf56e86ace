"""The operator centre's configuration file (config/operator_centre.yaml), read and checked: the broker it listens
to, its store, the operator key it signs commands with, and the registered robots with their ledger keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fracturescope_common.keys import load_public_key
from fracturescope_uplink.mqtt_link import BrokerSettings
import yaml


class CentreConfigError(ValueError):
    """The configuration cannot run a centre; the message says which entry and why."""


@dataclass(frozen=True)
class CentreConfig:
    broker: BrokerSettings
    store_url: str
    operator_id: str
    operator_key: Path              # Ed25519 private key (PEM), made on first start; robots trust its .pub
    ledger_keys: dict[str, bytes]   # robot id -> raw public key of its ledger
    dashboard_host: str = '127.0.0.1'
    dashboard_port: int = 8080
    accounts_file: Path = Path('accounts.json')
    secure_cookie: bool = False     # the dashboard is reached over HTTPS (a TLS proxy in front)
    telemetry_keep_s: float = 86_400.0   # robots' telemetry kept this long [s]


def _required(section: dict[str, Any], key: str, where: str) -> Any:
    if key not in section or section[key] in (None, ''):
        raise CentreConfigError(f'{where}: {key} is missing')
    return section[key]


def load_centre_config(path: str | Path) -> CentreConfig:
    """Read `path`; relative file names in it are relative to its folder."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CentreConfigError(f'{path}: {error}') from error
    here = path.parent

    def file(value: str) -> Path:
        return Path(value) if Path(value).is_absolute() else here / value

    broker = _required(data, 'broker', str(path))
    password = broker.get('password', '')
    if broker.get('password_file'):
        try:
            password = file(broker['password_file']).read_text().splitlines()[0]
        except (OSError, IndexError) as error:
            raise CentreConfigError(f'broker.password_file: {error}') from error
    settings = BrokerSettings(str(_required(broker, 'host', 'broker')), int(_required(broker, 'port', 'broker')),
                              str(broker.get('client_id', 'fracturescope-centre')), str(broker.get('username', '')),
                              password, str(file(broker['tls_ca_file'])) if broker.get('tls_ca_file') else '',
                              keepalive_s=int(broker.get('keepalive_s', 20)))
    ledger_keys: dict[str, bytes] = {}
    for robot_id, robot in (data.get('robots') or {}).items():
        key = _required(robot or {}, 'ledger_public_key', f'robots.{robot_id}')
        try:
            ledger_keys[str(robot_id)] = load_public_key(file(key))
        except (OSError, ValueError) as error:
            raise CentreConfigError(f'robots.{robot_id}.ledger_public_key: {error}') from error
    dashboard = data.get('dashboard') or {}
    return CentreConfig(settings, str(_required(data, 'store', str(path))), str(data.get('operator_id', 'operator')),
                        file(_required(data, 'operator_key', str(path))), ledger_keys,
                        str(dashboard.get('host', '127.0.0.1')), int(dashboard.get('port', 8080)),
                        file(dashboard.get('accounts_file', 'accounts.json')), bool(dashboard.get('secure_cookie')),
                        float(data.get('telemetry_keep_s', 86_400.0)))
