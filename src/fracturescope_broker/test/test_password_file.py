"""amqtt's password file: hashes amqtt's own checker accepts, files it reads, and the formats it cannot read refused
up front with the reason."""

import io
import shutil
import stat
import subprocess

from fracturescope_broker.password_file import (
    PasswordFileError,
    delete_user,
    hash_password,
    main,
    parse_password_file,
    read_password_file,
    set_password,
    verify_password,
    write_password_file,
)
import pytest


def test_hashes_are_salted_argon2id_and_check_only_the_right_password():
    first, second = hash_password('s3cret'), hash_password('s3cret')
    assert first.startswith('$argon2id$') and first != second
    assert verify_password('s3cret', first) and verify_password('s3cret', second)
    assert not verify_password('s3cret ', first) and not verify_password('', first)
    with pytest.raises(PasswordFileError):
        hash_password('')


def test_written_file_reads_back_is_private_and_replaced_whole(tmp_path):
    path = tmp_path / 'passwd'
    users = {'robot': hash_password('a'), 'operator': hash_password('b')}
    write_password_file(path, users)
    assert read_password_file(path) == users
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    set_password(path, 'robot', 'new')
    set_password(path, 'auditor', 'c')
    again = read_password_file(path)
    assert list(again) == ['robot', 'operator', 'auditor']
    assert verify_password('new', again['robot']) and again['operator'] == users['operator']
    assert delete_user(path, 'operator') and not delete_user(path, 'operator')
    assert list(read_password_file(path)) == ['robot', 'auditor']
    assert [p.name for p in tmp_path.iterdir()] == ['passwd']      # no temporary file left behind


@pytest.mark.parametrize('text, reason', [
    ('robot\n', 'not "user:hash"'),
    ('robot:plain-text-password\n', 'no Argon2 hash'),
    ('ro bot:{h}\n', 'user name'),
    (':{h}\n', 'user name'),
    ('robot:{h}\nrobot:{h}\n', 'given twice'),
    ('robot:$6$salt$abcdef\n', 'fracturescope-broker-passwd'),
    ('robot:$7$101$c2FsdA==$aGFzaA==\n', 'fracturescope-broker-passwd'),
])
def test_malformed_files_are_refused_with_the_line(text, reason):
    with pytest.raises(PasswordFileError, match=reason) as error:
        parse_password_file(text.format(h=hash_password('x')), 'passwd')
    assert 'passwd:' in str(error.value) or 'user name' in str(error.value)


def test_comments_and_blank_lines_are_skipped():
    hashed = hash_password('x')
    assert parse_password_file(f'# users of the robot\n\nrobot:{hashed}\n  \n') == {'robot': hashed}


def test_a_mosquitto_passwd_file_is_refused(tmp_path):
    """The file the mosquitto tests make: same look, a hash amqtt cannot check."""
    path = tmp_path / 'mosquitto_passwd'
    path.write_text('')
    tool = shutil.which('mosquitto_passwd') or '/usr/bin/mosquitto_passwd'
    subprocess.run([tool, '-b', str(path), 'robot', 'pw'], check=True, capture_output=True, timeout=30)
    with pytest.raises(PasswordFileError, match='mosquitto_passwd'):
        read_password_file(path)


def test_the_command_line_adds_and_deletes_users(tmp_path, monkeypatch, capsys):
    path = tmp_path / 'passwd'
    monkeypatch.setattr('sys.stdin', io.StringIO('operator pw\n'))
    assert main([str(path), 'operator', '--stdin']) == 0
    assert verify_password('operator pw', read_password_file(path)['operator'])
    assert main([str(path), 'nobody', '--delete']) == 1 and 'not in' in capsys.readouterr().err
    assert main([str(path), 'operator', '--delete']) == 0 and read_password_file(path) == {}
    monkeypatch.setattr('sys.stdin', io.StringIO('pw\n'))
    assert main([str(path), 'bad:name', '--stdin']) == 1 and 'user name' in capsys.readouterr().err
