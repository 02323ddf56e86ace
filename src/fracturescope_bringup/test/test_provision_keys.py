from fracturescope_bringup.provision_keys import GENERATED_OPERATOR_KEY, main, provision_keys
from fracturescope_common.keys import key_id, load_or_create_private_key, load_public_key, raw_public_key
from fracturescope_common.operator_commands import CommandSigner, CommandVerifier, load_trusted_keys
import pytest

from fracturescope_msgs.msg import OperatorCommand


def test_first_start_makes_the_ledger_key_and_an_operator_pair_a_second_start_changes_nothing(tmp_path):
    first = provision_keys(tmp_path / 'data')
    assert sorted(first.made) == sorted(str(tmp_path / 'data' / name) for name in (
        'ledger_key.pem', GENERATED_OPERATOR_KEY, 'operator_key.pem.pub'))
    operator = load_or_create_private_key(tmp_path / 'data' / GENERATED_OPERATOR_KEY, create=False)
    assert load_public_key(tmp_path / 'data' / 'operator_key.pem.pub') == raw_public_key(operator)
    assert (tmp_path / 'data' / GENERATED_OPERATOR_KEY).stat().st_mode & 0o077 == 0
    again = provision_keys(tmp_path / 'data', operator_public_key='00' * 32)
    assert again.made == () and again.operator_key_id == first.operator_key_id == key_id(raw_public_key(operator))
    assert again.ledger_key_id == first.ledger_key_id


def test_the_operators_own_public_key_is_trusted_and_no_private_key_is_made(tmp_path):
    """The control node, as the launch file sets it up, obeys what the operator signs with the matching key."""
    operator = load_or_create_private_key(tmp_path / 'station' / 'operator.pem')
    done = provision_keys(tmp_path / 'data', operator_public_key=str(tmp_path / 'station' / 'operator.pem.pub'))
    assert not (tmp_path / 'data' / GENERATED_OPERATOR_KEY).exists()
    assert done.operator_key_id == key_id(raw_public_key(operator))
    trusted, unreadable = load_trusted_keys([f'operator:{tmp_path / "data" / "operator_key.pem.pub"}'])
    assert not unreadable
    verifier = CommandVerifier(trusted, 10.0, 1.0, 100)
    assert verifier.check(CommandSigner(operator, 'operator').sign(OperatorCommand.STOP)).accepted


def test_a_bad_operator_key_is_refused_with_exit_status_2(tmp_path, capsys):
    assert main([str(tmp_path), '--operator-public-key', 'abc']) == 2
    assert 'operator public key' in capsys.readouterr().err
    assert not (tmp_path / 'operator_key.pem.pub').exists()


@pytest.mark.parametrize('given', ['hex', 'file'])
def test_the_command_line_takes_hex_or_a_file(tmp_path, capsys, given):
    operator = load_or_create_private_key(tmp_path / 'operator.pem')
    value = raw_public_key(operator).hex() if given == 'hex' else str(tmp_path / 'operator.pem.pub')
    assert main([str(tmp_path / 'data'), '--operator-public-key', value]) == 0
    assert f'trusted operator key {key_id(raw_public_key(operator))}' in capsys.readouterr().out
