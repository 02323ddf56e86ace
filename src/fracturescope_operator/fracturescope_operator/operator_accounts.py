"""Who may use the dashboard: operator accounts with scrypt-hashed passwords (a JSON file the centre reads; written by
`fracturescope-operator-centre add-user`), and the sessions of those logged in: a random session token in an
HttpOnly, SameSite=Strict cookie and a separate CSRF token the page sends back in a header with every command.
Failed logins are throttled per account. Plain Python."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import hmac
import json
import os
from pathlib import Path
import secrets
import time

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1      # about 50 ms and 16 MB per check here: a guess is expensive
MAX_FAILURES, LOCKOUT_S = 5, 60.0                 # this many wrong passwords in a row lock the account this long


def hash_password(password: str, salt: bytes | None = None) -> str:
    """'scrypt$N$r$p$salt_hex$hash_hex'."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f'scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}'


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split('$')
        if scheme != 'scrypt':
            return False
        computed = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                  dklen=len(bytes.fromhex(digest)))
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


class AccountsFile:
    """{"user": "scrypt$..."} in a JSON file (mode 0600)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        accounts = json.loads(self.path.read_text())
        if not isinstance(accounts, dict) or not all(isinstance(v, str) for v in accounts.values()):
            raise ValueError(f'{self.path}: not a {{user: password hash}} object')
        return accounts

    def set_password(self, user: str, password: str) -> None:
        if not user or not user.isprintable() or len(password) < 12:
            raise ValueError('a user name, and a password of 12 characters or more')
        accounts = self.read()
        accounts[user] = hash_password(password)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix('.tmp')
        temporary.write_text(json.dumps(accounts, indent=1, sort_keys=True))
        temporary.chmod(0o600)
        temporary.replace(self.path)


@dataclass(frozen=True)
class Session:
    user: str
    csrf_token: str
    expires_s: float


class Sessions:
    def __init__(self, accounts: dict[str, str], lifetime_s: float = 8 * 3600.0,
                 clock_s: callable = time.monotonic) -> None:
        self._accounts, self._lifetime_s, self._clock_s = accounts, lifetime_s, clock_s
        self._sessions: dict[str, Session] = {}
        self._failures: dict[str, tuple[int, float]] = {}   # user -> (wrong passwords in a row, last at)

    def log_in(self, user: str, password: str) -> tuple[str, Session] | None:
        """(session token, session) for the right password; None otherwise (also while the account is locked)."""
        now = self._clock_s()
        failures, last = self._failures.get(user, (0, 0.0))
        if failures >= MAX_FAILURES and now - last < LOCKOUT_S:
            return None
        stored = self._accounts.get(user)
        if stored is None or not password_matches(password, stored):
            if stored is None:
                password_matches(password, hash_password('-'))   # the same time as for a known user
            self._failures[user] = (failures + 1, now)
            return None
        self._failures.pop(user, None)
        token = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), now + self._lifetime_s)
        self._sessions[token] = session
        return token, session

    def session(self, token: str | None) -> Session | None:
        session = self._sessions.get(token or '')
        if session is None or session.expires_s < self._clock_s():
            self._sessions.pop(token or '', None)
            return None
        return session

    def log_out(self, token: str | None) -> None:
        self._sessions.pop(token or '', None)
