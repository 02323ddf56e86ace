"""The teleop CLI without a graph: usage errors, key generation, and the message it would publish."""

import os
import stat

from fracturescope_common.operator_commands import MANUAL, CommandSigner, CommandVerifier, fields_of
from fracturescope_control.teleop import main, to_message


def test_keygen_creates_a_private_key_and_refuses_to_overwrite(tmp_path, capsys):
    key = tmp_path / 'op.pem'
    assert main(['keygen', str(key)]) == 0
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600 and (tmp_path / 'op.pem.pub').is_file()
    assert 'trusted_operator_keys' in capsys.readouterr().out
    assert main(['keygen', str(key)]) == 2


def test_usage_errors_exit_2_before_touching_the_graph(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv('FRACTURESCOPE_OPERATOR_KEY', raising=False)
    monkeypatch.delenv('FRACTURESCOPE_OPERATOR', raising=False)
    key = tmp_path / 'op.pem'
    main(['keygen', str(key)])
    assert main(['--key', str(key), '--issuer', 'alice', 'manual', '30']) == 2        # two numbers needed
    assert main(['--key', str(key), '--issuer', 'alice', 'manual', '30', 'fast']) == 2
    assert main(['stop']) == 2                                                          # no key, no issuer
    assert main(['--key', str(tmp_path / 'absent.pem'), '--issuer', 'alice', 'stop']) == 2
    assert 'required' in capsys.readouterr().err


def test_the_published_message_verifies_at_the_receiver(tmp_path):
    signer = CommandSigner.from_key_file(tmp_path / 'op.pem', 'alice', create=True)
    public = bytes.fromhex((tmp_path / 'op.pem.pub').read_text())
    receiver = CommandVerifier({'alice': public}, 10.0, 2.0, 10)
    fields = signer.sign(MANUAL, (31.5, 29.0), 'control')
    msg = to_message(fields)
    assert fields_of(msg) == fields
    assert receiver.check(fields_of(msg)).accepted
