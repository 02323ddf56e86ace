"""Operator accounts: scrypt hashes, sessions with CSRF tokens, throttled failed logins."""

from fracturescope_operator.operator_accounts import (
    MAX_FAILURES,
    AccountsFile,
    Sessions,
    hash_password,
    password_matches,
)
import pytest


class Clock:
    def __init__(self):
        self.s = 1000.0

    def __call__(self):
        return self.s


def test_passwords_are_kept_only_as_salted_scrypt_hashes(tmp_path):
    accounts = AccountsFile(tmp_path / 'accounts.json')
    accounts.set_password('alice', 'correct horse battery')
    stored = accounts.read()['alice']
    assert stored.startswith('scrypt$') and 'correct' not in (tmp_path / 'accounts.json').read_text()
    assert (tmp_path / 'accounts.json').stat().st_mode & 0o777 == 0o600
    assert password_matches('correct horse battery', stored) and not password_matches('correct horse', stored)
    assert hash_password('same password') != hash_password('same password')        # salted
    with pytest.raises(ValueError):
        accounts.set_password('bob', 'short')


def test_sessions_expire_and_failed_logins_lock_the_account_for_a_while():
    clock = Clock()
    sessions = Sessions({'alice': hash_password('correct horse battery')}, lifetime_s=60.0, clock_s=clock)
    token, session = sessions.log_in('alice', 'correct horse battery')
    assert sessions.session(token) == session and session.user == 'alice' and len(session.csrf_token) > 30
    assert sessions.log_in('mallory', 'x') is None and sessions.session('forged') is None
    clock.s += 61
    assert sessions.session(token) is None                        # expired
    for _ in range(MAX_FAILURES):
        assert sessions.log_in('alice', 'guess') is None
    assert sessions.log_in('alice', 'correct horse battery') is None   # locked, even with the right password
    clock.s += 61
    token, _ = sessions.log_in('alice', 'correct horse battery')
    sessions.log_out(token)
    assert sessions.session(token) is None
