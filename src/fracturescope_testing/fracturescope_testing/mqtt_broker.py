"""A real mosquitto broker for tests: its own configuration in a folder of the test, on a free loopback port.

    broker = MosquittoBroker(tmp_path, tls=True, users={'robot': 'pw'})
    broker.start()                         # returns once the broker accepts connections
    endpoint = broker.endpoint('robot')    # host, port, tls, ca_file, username, password, url
    ...
    broker.stop()                          # SIGTERM: an outage (the broker saves its persistence file)
    broker.start()                         # the link comes back, on the same port, with the sessions it saved
    broker.kill()                          # SIGKILL: a crash (what arrived since the last save is lost)
    broker.close()                         # stopped for good (also `with MosquittoBroker(...) as broker:`)

Modes: anonymous (`users` empty), username/password (`users`), TLS (`tls=True`: a throw-away CA and a server
certificate for 127.0.0.1 and localhost; clients need `broker.ca_file`), and TLS with passwords. Persistence is on,
as on a deployed broker: QoS 1 messages queued for a persistent session (clean_session=False, or MQTT 5 with a
session expiry) survive `stop()` and `start()`. The broker listens on 127.0.0.1 only; MQTT 3.1.1 and 5 both.
Its log (connections, refusals, errors) is `broker.log_path`, appended to by every start.

pytest fixtures (registered by the package's pytest plugin, fracturescope_testing.pytest_plugin): `mosquitto`
(an anonymous broker, started) and `mosquitto_factory` (`mosquitto_factory(tls=True, users={...})`, started);
every broker they made is killed at the end of the test.

mosquitto is Debian's package (scripts/install_test_services.sh installs it for `make test`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime
import ipaddress
import os
from pathlib import Path
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import time
from types import TracebackType

MOSQUITTO_PATHS = ('/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto')
LOOPBACK = '127.0.0.1'
# The line mosquitto logs once its listeners are open (src/mosquitto.c: "mosquitto version %s running").
RUNNING_LINE = ' running'


class MosquittoError(RuntimeError):
    """mosquitto is missing, did not start or did not stop."""


@dataclass(frozen=True)
class MqttEndpoint:
    """What a client needs to connect: where, whether over TLS (trusting `ca_file`) and as whom."""

    host: str
    port: int
    tls: bool
    ca_file: Path | None
    username: str | None
    password: str | None

    @property
    def url(self) -> str:
        return f'{"mqtts" if self.tls else "mqtt"}://{self.host}:{self.port}'


@dataclass(frozen=True)
class TlsFiles:
    """A throw-away CA (`ca_file`, for clients) and a server certificate it signed, with its key."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def mosquitto_executable() -> str:
    found = shutil.which('mosquitto') or next((p for p in MOSQUITTO_PATHS if os.access(p, os.X_OK)), None)
    if found is None:
        raise MosquittoError('mosquitto is not installed: run scripts/install_test_services.sh '
                             '(apt-get install mosquitto)')
    return found


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nothing listens on now (the OS's choice of an ephemeral port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def write_test_certificates(directory: str | os.PathLike, hosts: tuple[str, ...] = (LOOPBACK, 'localhost'),
                            valid_days: int = 2) -> TlsFiles:
    """A CA and a server certificate for `hosts` (IP addresses and DNS names) in `directory`, P-256 keys."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=valid_days)

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(name('FractureScope test CA')).issuer_name(
        name('FractureScope test CA')).public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))

    def alternative_name(host: str) -> x509.GeneralName:
        try:
            return x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            return x509.DNSName(host)

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name(hosts[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([alternative_name(h) for h in hosts]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))

    files = TlsFiles(directory / 'ca.crt', directory / 'server.crt', directory / 'server.key')
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    files.key_file.chmod(0o600)
    return files


class MosquittoBroker:
    """One mosquitto process, configured in `<directory>/mosquitto_<port>/`: mosquitto.conf, passwd, the TLS
    files, persistence/ and mosquitto.log. `port` None: a free port, kept for every later start."""

    def __init__(self, directory: str | os.PathLike, *, tls: bool = False, users: Mapping[str, str] | None = None,
                 port: int | None = None, verbose: bool = False) -> None:
        self.host = LOOPBACK
        self.port = free_port() if port is None else port
        self.tls = tls
        self.users = dict(users or {})
        self.directory = Path(directory) / f'mosquitto_{self.port}'
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_path = self.directory / 'mosquitto.log'
        self.config_path = self.directory / 'mosquitto.conf'
        self.persistence_dir = self.directory / 'persistence'
        self.persistence_dir.mkdir(exist_ok=True)
        self._executable = mosquitto_executable()
        self._tls_files = write_test_certificates(self.directory / 'tls') if tls else None
        self._password_file = self._write_password_file() if self.users else None
        self._write_config(verbose)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def ca_file(self) -> Path | None:
        """The CA that signed the broker's certificate (TLS only): what a client trusts."""
        return self._tls_files.ca_file if self._tls_files else None

    @property
    def url(self) -> str:
        return self.endpoint().url

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.running else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def endpoint(self, user: str | None = None) -> MqttEndpoint:
        """Where and how to connect as `user` (None: the first user, or anonymously when there are none)."""
        if user is None and self.users:
            user = next(iter(self.users))
        if user is not None and user not in self.users:
            raise KeyError(f'{user!r} is not a user of this broker (users: {sorted(self.users)})')
        return MqttEndpoint(self.host, self.port, self.tls, self.ca_file, user,
                            self.users[user] if user is not None else None)

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only this broker's CA (and checks its name)."""
        if self.ca_file is None:
            raise MosquittoError('this broker has no TLS')
        return ssl.create_default_context(cafile=str(self.ca_file))

    def start(self, timeout_s: float = 10.0) -> None:
        """Start mosquitto and wait until it accepts connections; MosquittoError (with its log) if it does not."""
        if self.running:
            raise MosquittoError(f'mosquitto on port {self.port} is running already (pid {self._process.pid})')
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, 'ab') as log:
            self._process = subprocess.Popen([self._executable, '-c', str(self.config_path)],
                                             stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.wait_until_ready(timeout_s, offset)

    def wait_until_ready(self, timeout_s: float = 10.0, log_offset: int = 0) -> None:
        """Until mosquitto says its listener is open and a TCP connection to it succeeds."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.running:
                raise MosquittoError(f'mosquitto exited with {self._process.returncode if self._process else None} '
                                     f'while starting:\n{self.log_text(log_offset)}')
            if RUNNING_LINE in self.log_text(log_offset) and self._accepts_connections():
                return
            time.sleep(0.02)
        raise MosquittoError(f'mosquitto on port {self.port} not ready after {timeout_s} s:\n'
                             f'{self.log_text(log_offset)}')

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """SIGTERM, as an outage or a service stop: mosquitto saves its persistence file and exits. Its exit status
        (None if it was not running); SIGKILL and MosquittoError if it does not exit within `timeout_s`."""
        return self._end(signal.SIGTERM, timeout_s)

    def kill(self) -> int | None:
        """SIGKILL, a crash: nothing is saved."""
        return self._end(signal.SIGKILL, 10.0)

    def restart(self, timeout_s: float = 10.0) -> None:
        self.stop()
        self.start(timeout_s)

    def close(self) -> None:
        if self.running:
            self.kill()

    def log_text(self, offset: int = 0) -> str:
        if not self.log_path.exists():
            return ''
        with open(self.log_path, 'rb') as log:
            log.seek(offset)
            return log.read().decode(errors='replace')

    def __enter__(self) -> MosquittoBroker:
        if not self.running:
            self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = ('TLS' if self.tls else 'plain') + (f', users {sorted(self.users)}' if self.users else ', anonymous')
        return f'MosquittoBroker({self.url}, {mode}, {"running" if self.running else "stopped"})'

    # --- internals ---

    def _end(self, signum: signal.Signals, timeout_s: float) -> int | None:
        if not self.running:
            return None
        process = self._process
        process.send_signal(signum)
        try:
            return process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise MosquittoError(f'mosquitto did not exit within {timeout_s} s of {signum.name}: killed') from None

    def _accepts_connections(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def _write_password_file(self) -> Path:
        """mosquitto_passwd's format; the file is made by mosquitto_passwd itself where it is installed."""
        path = self.directory / 'passwd'
        path.write_text('')
        path.chmod(0o600)
        tool = shutil.which('mosquitto_passwd') or '/usr/bin/mosquitto_passwd'
        for user, password in self.users.items():
            if ':' in user:
                raise ValueError(f'a user name cannot contain ":" ({user!r})')
            result = subprocess.run([tool, '-b', str(path), user, password], capture_output=True, text=True,
                                    timeout=30)
            if result.returncode != 0:
                raise MosquittoError(f'mosquitto_passwd failed for {user!r}: {result.stdout}{result.stderr}')
        return path

    def _write_config(self, verbose: bool) -> None:
        # The process keeps the test's user: as root, mosquitto would otherwise switch to the user "mosquitto",
        # who cannot read the test's files.
        lines = [
            f'# written by fracturescope_testing.mqtt_broker for a test; {self.directory}',
            f'user {pwd.getpwuid(os.getuid()).pw_name}',
            'per_listener_settings false',
            f'listener {self.port} {self.host}',
            f'allow_anonymous {"false" if self.users else "true"}',
            'persistence true',
            f'persistence_location {self.persistence_dir}/',
            'log_dest stderr',
            *(f'log_type {kind}' for kind in (('all',) if verbose else ('error', 'warning', 'notice', 'information'))),
            'connection_messages true',
            'log_timestamp true',
            'log_timestamp_format %Y-%m-%dT%H:%M:%S',
        ]
        if self._password_file is not None:
            lines.append(f'password_file {self._password_file}')
        if self._tls_files is not None:
            lines += [f'cafile {self._tls_files.ca_file}', f'certfile {self._tls_files.cert_file}',
                      f'keyfile {self._tls_files.key_file}']
        self.config_path.write_text('\n'.join(lines) + '\n')
