"""The embedded broker's settings (the node's parameters) checked, and turned into amqtt's configuration.

amqtt 0.12 (amqtt.contexts.BrokerConfig): one TCP listener `default` bound to `host:port`, TLS when a certificate and
its key are given; authentication by every plugin listed, all of which must agree (amqtt.broker.Broker._authenticate):
AnonymousAuthPlugin admits a client without a user name only with allow_anonymous, FileAuthPlugin checks a user
name's password against the password file (and has no say about anonymous clients).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import ipaddress
import os
from pathlib import Path
from typing import Any

from fracturescope_broker.password_file import check_user_name, hash_password, read_password_file

ANONYMOUS_PLUGIN = 'amqtt.plugins.authentication.AnonymousAuthPlugin'
PASSWORD_FILE_PLUGIN = 'amqtt.plugins.authentication.FileAuthPlugin'


@dataclass(frozen=True)
class BrokerSettings:
    host: str                  # IPv4 address or host name to listen on; 0.0.0.0 every interface
    port: int                  # TCP port; 0: any free port
    tls_cert_file: str = ''    # PEM server certificate (chain); '' with tls_key_file '': plain TCP
    tls_key_file: str = ''     # its PEM private key
    password_file: str = ''    # amqtt password file (password_file.py); '' none
    username: str = ''         # one more user given directly ('' none), with
    password: str = ''         # its password
    allow_anonymous: bool = False

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert_file)

    @property
    def url(self) -> str:
        return f'{"mqtts" if self.tls else "mqtt"}://{self.host}:{self.port}'

    def check(self) -> None:
        """ValueError (OSError for a file that cannot be read) naming what is wrong."""
        if not self.host or ':' in self.host:
            # amqtt splits "host:port" at the last colon and hands "[::1]" to asyncio with its brackets
            raise ValueError(f'host {self.host!r}: an IPv4 address or a host name (IPv6 is not supported)')
        if not 0 <= self.port <= 65535:
            raise ValueError(f'port {self.port} is not a TCP port (0..65535)')
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ValueError('TLS needs both tls_cert_file and tls_key_file (or neither, for plain TCP)')
        for name in ('tls_cert_file', 'tls_key_file', 'password_file'):
            path = getattr(self, name)
            if path and not os.access(path, os.R_OK):
                raise OSError(f'{name} {path}: not a readable file')
        if bool(self.username) != bool(self.password):
            raise ValueError('username and password come together (or both empty)')
        if self.username:
            check_user_name(self.username)
        if not (self.allow_anonymous or self.password_file or self.username):
            raise ValueError('no client could connect: give a password_file or a username and password, '
                             'or allow_anonymous')

    def users(self) -> dict[str, str]:
        """Every user and their Argon2 hash: the password file's, then `username` (which wins over a namesake)."""
        users = read_password_file(self.password_file) if self.password_file else {}
        if self.username:
            users[self.username] = hash_password(self.password)
        return users


def amqtt_config(settings: BrokerSettings, password_file: Path | None,
                 extra_plugins: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """amqtt's configuration dict: the listener, the authentication plugins, then `extra_plugins` (dotted path ->
    their config). `password_file`: the file of every user (None: no users, anonymous clients only)."""
    listener: dict[str, Any] = {'type': 'tcp', 'bind': f'{settings.host}:{settings.port}'}
    if settings.tls:
        listener |= {'ssl': True, 'certfile': settings.tls_cert_file, 'keyfile': settings.tls_key_file}
    plugins: dict[str, dict[str, Any]] = {ANONYMOUS_PLUGIN: {'allow_anonymous': settings.allow_anonymous}}
    if password_file is not None:
        plugins[PASSWORD_FILE_PLUGIN] = {'password_file': str(password_file)}
    plugins |= dict(extra_plugins or {})
    return {'listeners': {'default': listener}, 'plugins': plugins}


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (the sim's default)."""
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
