"""amqtt's password file (amqtt.plugins.authentication.FileAuthPlugin): one `user:hash` a line, Argon2id hashes as
pwdlib writes them (`$argon2id$v=19$m=65536,t=3,p=4$...`), `#` comments and blank lines skipped.

mosquitto_passwd's files (`$7$`, PBKDF2-SHA512) are a different format that amqtt cannot read; its deprecated
SHA-512 crypt (`$6$`) stops working with Python 3.13; neither is accepted here. Make a file with
`fracturescope-broker-passwd FILE USER` (asks for the password, or reads it from stdin with --stdin).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
import getpass
import os
from pathlib import Path
import sys
import tempfile

from pwdlib.hashers.argon2 import Argon2Hasher

_HASHER = Argon2Hasher()   # pwdlib's defaults: Argon2id, 64 MiB, 3 passes, 4 lanes (about 0.1 s per check here)


class PasswordFileError(ValueError):
    """A password file amqtt would not read, or a user name it cannot hold."""


def check_user_name(user: str) -> None:
    if not user or ':' in user or any(c.isspace() for c in user) or user.startswith('#'):
        raise PasswordFileError(f'user name {user!r}: must be non-empty, without ":", spaces, or a leading "#"')


def hash_password(password: str) -> str:
    if not password:
        raise PasswordFileError('empty password')
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _HASHER.verify(password, password_hash)


def parse_password_file(text: str, source: str = 'password file') -> dict[str, str]:
    """{user: hash}; PasswordFileError for a malformed line, a hash amqtt cannot check, a user given twice."""
    users: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        user, colon, password_hash = line.partition(':')
        if not colon:
            raise PasswordFileError(f'{source}:{number}: not "user:hash"')
        check_user_name(user)
        if password_hash.startswith(('$7$', '$6$')):
            raise PasswordFileError(f'{source}:{number}: {user!r} has a mosquitto_passwd / SHA-512 crypt hash, '
                                    'which amqtt cannot check: make it with fracturescope-broker-passwd')
        if not _HASHER.identify(password_hash):
            raise PasswordFileError(f'{source}:{number}: {user!r} has no Argon2 hash')
        if user in users:
            raise PasswordFileError(f'{source}:{number}: {user!r} given twice')
        users[user] = password_hash
    return users


def read_password_file(path: str | os.PathLike) -> dict[str, str]:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise PasswordFileError(f'cannot read password file {path}: {error.strerror}') from error
    return parse_password_file(text, str(path))


def write_password_file(path: str | os.PathLike, users: Mapping[str, str]) -> None:
    """{user: hash} to `path`, readable by its owner only, replaced atomically (a reader never sees half a file)."""
    path = Path(path)
    for user in users:
        check_user_name(user)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.')
    try:
        with os.fdopen(descriptor, 'w') as out:
            out.write(''.join(f'{user}:{password_hash}\n' for user, password_hash in users.items()))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def set_password(path: str | os.PathLike, user: str, password: str) -> None:
    """Add `user` to the file at `path` (made if missing) or give them a new password."""
    check_user_name(user)
    users = read_password_file(path) if Path(path).exists() else {}
    users[user] = hash_password(password)
    write_password_file(path, users)


def delete_user(path: str | os.PathLike, user: str) -> bool:
    users = read_password_file(path)
    if users.pop(user, None) is None:
        return False
    write_password_file(path, users)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='fracturescope-broker-passwd',
                                     description='Add a user to (or delete one from) the embedded broker\'s password '
                                                 'file (amqtt format: Argon2id hashes).')
    parser.add_argument('file', type=Path)
    parser.add_argument('user')
    parser.add_argument('--stdin', action='store_true', help='read the password from the first line of stdin')
    parser.add_argument('--delete', action='store_true', help='remove the user')
    args = parser.parse_args(argv)
    try:
        if args.delete:
            if not delete_user(args.file, args.user):
                print(f'{args.user!r} is not in {args.file}', file=sys.stderr)
                return 1
            return 0
        if args.stdin:
            password = sys.stdin.readline().rstrip('\n')
        else:
            password = getpass.getpass(f'password for {args.user}: ')
            if getpass.getpass('again: ') != password:
                print('the passwords differ', file=sys.stderr)
                return 1
        set_password(args.file, args.user, password)
    except PasswordFileError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
