"""A real PostgreSQL server for tests: a throw-away cluster (initdb) in a temporary folder, listening on a free
loopback port and a socket in that folder, started and stopped with pg_ctl. Debian's postgresql package, installed by
scripts/install_test_services.sh; its system service is not used. As root (CI), the cluster belongs to the
`postgres` system user, since PostgreSQL refuses to run as root."""

from __future__ import annotations

import glob
import os
from pathlib import Path
import pwd
import shutil
import subprocess
import tempfile

from fracturescope_testing.mqtt_broker import LOOPBACK, free_port

DATABASE, USER, PASSWORD = 'fracturescope', 'fracturescope', 'fracturescope-test'


class PostgresError(RuntimeError):
    """The test server could not be made or started; the message holds its log."""


def postgres_bin_dir() -> Path:
    """Folder of initdb / pg_ctl: Debian keeps them out of PATH, in /usr/lib/postgresql/<version>/bin (the newest
    installed); elsewhere, where PATH has pg_ctl."""
    candidates = sorted(glob.glob('/usr/lib/postgresql/*/bin/pg_ctl'), key=lambda p: int(p.split('/')[4]))
    found = candidates[-1] if candidates else shutil.which('pg_ctl')
    if not found:
        raise PostgresError('PostgreSQL is not installed: run scripts/install_test_services.sh')
    return Path(found).parent


class PostgresServer:
    """A cluster in a new folder of its own under `parent` (default: the system's temporary folder, which the
    `postgres` user can reach, unlike pytest's per-user folders); removed by `close`."""

    def __init__(self, parent: str | os.PathLike | None = None) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix='fracturescope-postgres-', dir=parent))
        self.data_dir = self.directory / 'data'
        self.log_path = self.directory / 'server.log'
        self.port = free_port()
        self._bin = postgres_bin_dir()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam('postgres')
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self._as_user = ['runuser', '-u', 'postgres', '--']

    @property
    def url(self) -> str:
        return f'postgresql://{USER}:{PASSWORD}@{LOOPBACK}:{self.port}/{DATABASE}'

    def start(self) -> None:
        """Make the cluster (first start only), start it, create the user and database."""
        fresh = not self.data_dir.exists()
        if fresh:
            password_file = self.directory / 'superuser.pw'
            password_file.write_text(PASSWORD + '\n')
            if self._as_user:
                shutil.chown(password_file, 'postgres')
            self._run('initdb', '-D', str(self.data_dir), '-U', USER, '--pwfile', str(password_file),
                      '--auth=scram-sha-256', '-E', 'UTF8', '--no-instructions')
        self._run('pg_ctl', '-D', str(self.data_dir), '-l', str(self.log_path), '-w', '-t', '30', 'start',
                  '-o', f'-h {LOOPBACK} -p {self.port} -k {self.directory} -c fsync=on')
        if fresh:
            self._run('createdb', '-h', LOOPBACK, '-p', str(self.port), '-U', USER, DATABASE,
                      env={'PGPASSWORD': PASSWORD})

    def stop(self) -> None:
        if (self.data_dir / 'postmaster.pid').exists():
            self._run('pg_ctl', '-D', str(self.data_dir), '-m', 'fast', '-w', 'stop')

    def close(self) -> None:
        """Stop the server and remove its cluster."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, program: str, *args: str, env: dict[str, str] | None = None) -> None:
        result = subprocess.run([*self._as_user, str(self._bin / program), *args], capture_output=True, text=True,
                                env={**os.environ, **(env or {})}, timeout=120)
        if result.returncode != 0:
            log = self.log_path.read_text() if self.log_path.exists() else ''
            raise PostgresError(f'{program} failed ({result.returncode}): {result.stderr or result.stdout}\n{log}')

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
