"""A keystore built from a saved graph file: the layout rcl reads, signatures that verify against the permissions
CA (our verifier and OpenSSL's smime, which Fast DDS's PKCS7_verify is), identities that chain to the identity CA,
private keys 0600, and each node allowed exactly its topics."""

import os
from pathlib import Path
import shutil
import stat
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from fracturescope_security.cli import main
from fracturescope_security.graph import load_graph
from fracturescope_security.keystore import Keystore, write_keystore
from fracturescope_security.policy import grant_for, grant_in
from fracturescope_security.smime import SignatureError, sign, verify_signed
from fracturescope_security.verify import verify_keystore
import pytest
from xsd_check import Schema

DATA = Path(__file__).parent / 'data'
# What rcl opens in an enclave folder (rmw_dds_common/src/security.cpp, get_security_files).
RCL_FILES = ('identity_ca.cert.pem', 'cert.pem', 'key.pem', 'permissions_ca.cert.pem', 'governance.p7s',
             'permissions.p7s')
OPENSSL = shutil.which('openssl') or 'openssl'  # Debian's openssl package; Fast DDS verifies with its library


@pytest.fixture(scope='module')
def keystore(tmp_path_factory):
    root = tmp_path_factory.mktemp('ks') / 'keystore'
    assert main(['build', str(root), '--graph', str(DATA / 'graph.yaml'), '--domain-id', '7']) == 0
    return Keystore(root)


def test_layout_is_what_sros2_writes_and_rcl_reads(keystore):
    root = keystore.root
    assert os.readlink(root / 'public' / 'identity_ca.cert.pem') == 'ca.cert.pem'
    assert os.readlink(root / 'public' / 'permissions_ca.cert.pem') == 'ca.cert.pem'
    assert os.readlink(root / 'private' / 'permissions_ca.key.pem') == 'ca.key.pem'
    assert (root / 'enclaves' / 'governance.p7s').is_file()
    assert keystore.enclave_names() == ['/fracturescope/robot1/auditor', '/fracturescope/robot1/control',
                                        '/fracturescope/robot1/ledger']
    for enclave in keystore.enclave_names():
        folder = root / 'enclaves' / enclave.lstrip('/')
        assert all((folder / name).is_file() for name in RCL_FILES), enclave
        assert (folder / 'governance.p7s').read_bytes() == (root / 'enclaves' / 'governance.p7s').read_bytes()


def test_private_keys_are_owner_only(keystore):
    keys = [keystore.ca_key] + [keystore.enclave_dir(e) / 'key.pem' for e in keystore.enclave_names()]
    assert {stat.S_IMODE(k.stat().st_mode) for k in keys} == {0o600}
    assert stat.S_IMODE((keystore.root / 'private').stat().st_mode) == 0o700


def test_certificates_are_p256_and_chain_to_the_identity_ca(keystore):
    ca = x509.load_pem_x509_certificate(keystore.identity_ca_cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for enclave in keystore.enclave_names():
        cert = x509.load_pem_x509_certificate((keystore.enclave_dir(enclave) / 'cert.pem').read_bytes())
        cert.verify_directly_issued_by(ca)
        assert cert.subject.rfc4514_string() == f'CN={enclave}'
        assert isinstance(cert.public_key().curve, ec.SECP256R1)
        assert cert.signature_hash_algorithm.name == 'sha256'
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        subprocess.run([OPENSSL, 'verify', '-CAfile', keystore.identity_ca_cert,
                        keystore.enclave_dir(enclave) / 'cert.pem'], check=True, capture_output=True)


def signed_documents(keystore):
    yield keystore.enclaves / 'governance.p7s', keystore.enclaves / 'governance.xml'
    for enclave in keystore.enclave_names():
        yield keystore.enclave_dir(enclave) / 'permissions.p7s', keystore.enclave_dir(enclave) / 'permissions.xml'


def test_every_document_is_signed_by_the_permissions_ca(keystore):
    ca = x509.load_pem_x509_certificate(keystore.permissions_ca_cert.read_bytes())
    documents = list(signed_documents(keystore))
    assert len(documents) == 4
    for signed, plain in documents:
        assert verify_signed(signed.read_bytes(), ca) == plain.read_text()


def test_openssl_verifies_every_document_as_fast_dds_does(keystore, tmp_path):
    for signed, plain in signed_documents(keystore):
        out = subprocess.run([OPENSSL, 'smime', '-verify', '-text', '-in', signed, '-CAfile',
                              keystore.permissions_ca_cert], check=True, capture_output=True)
        assert out.stdout.replace(b'\r\n', b'\n') == plain.read_bytes()
    tampered = tmp_path / 'tampered.p7s'
    tampered.write_bytes((keystore.enclave_dir('/fracturescope/robot1/ledger') / 'permissions.p7s').read_bytes()
                         .replace(b'rt/robot1/ledger/blocks', b'rt/robot1/roll_command'))
    assert subprocess.run([OPENSSL, 'smime', '-verify', '-text', '-in', tampered, '-CAfile',
                           keystore.permissions_ca_cert], capture_output=True).returncode != 0


def test_documents_fit_the_dds_security_schemas(keystore):
    assert Schema(DATA / 'dds_security' / 'governance.xsd').validate(
        (keystore.enclaves / 'governance.xml').read_bytes()) == []
    permissions = Schema(DATA / 'dds_security' / 'permissions.xsd')
    for enclave in keystore.enclave_names():
        assert permissions.validate((keystore.enclave_dir(enclave) / 'permissions.xml').read_bytes()) == []
        assert b'<id>7</id>' in (keystore.enclave_dir(enclave) / 'permissions.xml').read_bytes()


def test_each_node_is_allowed_exactly_its_topics(keystore):
    def grant(enclave):
        return grant_in((keystore.enclave_dir(enclave) / 'permissions.xml').read_bytes())[1]

    nodes = load_graph(DATA / 'graph.yaml')
    for node in nodes:
        assert grant(node.enclave) == grant_for(node)
    ledger, control = grant('/fracturescope/robot1/ledger'), grant('/fracturescope/robot1/control')
    auditor = grant('/fracturescope/robot1/auditor')
    assert 'rt/robot1/roll_command' in control.publish
    assert 'rt/robot1/roll_command' not in ledger.publish | ledger.subscribe
    assert 'rt/robot1/ledger/blocks' not in control.publish
    assert 'rq/robot1/ledger/verifyRequest' in auditor.publish and 'rr/robot1/ledger/verifyReply' in ledger.publish
    assert 'rq/robot1/ledger/verifyRequest' not in control.publish
    assert ledger.publish - control.publish >= {'rt/robot1/ledger/blocks', 'rr/robot1/ledger/verifyReply'}


def test_verify_passes_and_names_each_kind_of_problem(keystore, tmp_path):
    assert verify_keystore(keystore.root) == []
    broken = Keystore(tmp_path / 'broken')
    shutil.copytree(keystore.root, broken.root, symlinks=True)
    ledger = broken.enclave_dir('/fracturescope/robot1/ledger')
    (ledger / 'permissions.xml').write_text((ledger / 'permissions.xml').read_text().replace(
        'rt/robot1/ledger/blocks', 'rt/robot1/roll_command'))
    os.chmod(ledger / 'key.pem', 0o644)
    control, auditor = (broken.enclave_dir(f'/fracturescope/robot1/{n}') for n in ('control', 'auditor'))
    # permissions signed by a key the CA never certified, claiming the CA's certificate as signer
    ca = x509.load_pem_x509_certificate(broken.ca_cert.read_bytes())
    forged = sign((control / 'permissions.xml').read_bytes(), ca, ec.generate_private_key(ec.SECP256R1()))
    (control / 'permissions.p7s').write_bytes(forged)
    # identity and permissions of another keystore's CA
    other = tmp_path / 'other'
    write_keystore(other, load_graph(DATA / 'graph.yaml'), 7)
    for name in ('cert.pem', 'permissions.p7s'):
        shutil.copy(other / 'enclaves' / 'fracturescope' / 'robot1' / 'auditor' / name, auditor / name)
    problems = '\n'.join(verify_keystore(broken.root))
    assert 'ledger/permissions.p7s: signed text differs from permissions.xml' in problems
    assert 'ledger/key.pem: private key readable by others' in problems
    assert 'permissions differ from what graph.yaml implies' in problems
    assert 'control/permissions.p7s: signature does not verify' in problems
    assert 'enclave /fracturescope/robot1/auditor: cert.pem not issued by the identity CA' in problems
    assert 'auditor/permissions.p7s: signer CN=FractureScope SROS2 CA not issued by the CA' in problems
    assert 'auditor/key.pem' not in problems and 'control/cert.pem' not in problems


def test_a_changed_document_fails_verification(keystore):
    ca = x509.load_pem_x509_certificate(keystore.permissions_ca_cert.read_bytes())
    signed = (keystore.enclave_dir('/fracturescope/robot1/ledger') / 'permissions.p7s').read_bytes()
    with pytest.raises(SignatureError, match='changed after signing'):
        verify_signed(signed.replace(b'<default>DENY</default>', b'<default>ALLOW</default>'), ca)
    with pytest.raises(SignatureError, match='not an S/MIME'):
        verify_signed(b'<dds/>', ca)


def test_rebuilding_keeps_the_ca_and_identities_and_rewrites_permissions(keystore, tmp_path):
    copy = tmp_path / 'again'
    shutil.copytree(keystore.root, copy, symlinks=True)
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob('*.pem')}
    changed = tmp_path / 'changed.yaml'
    changed.write_text((DATA / 'graph.yaml').read_text().replace(
        '/robot1/roll_command: [fracturescope_msgs/msg/RollCommand]',
        '/robot1/roll_command: [fracturescope_msgs/msg/RollCommand]\n    /robot1/control/state: [std_msgs/msg/String]'))
    assert main(['build', str(copy), '--graph', str(changed), '--domain-id', '7']) == 0
    assert {p.relative_to(copy): p.read_bytes() for p in copy.rglob('*.pem')} == before
    assert verify_keystore(copy) == []
    control = grant_in((Keystore(copy).enclave_dir('/fracturescope/robot1/control') / 'permissions.xml').read_bytes())
    assert 'rt/robot1/control/state' in control[1].publish
    assert sorted(load_graph(copy / 'graph.yaml'), key=str) == sorted(load_graph(changed), key=str)


def test_cli_verify_exit_status_and_enclave(keystore, tmp_path, capsys):
    assert main(['verify', str(keystore.root)]) == 0
    broken = tmp_path / 'broken'
    shutil.copytree(keystore.root, broken, symlinks=True)
    (broken / 'enclaves' / 'governance.xml').write_text('<dds/>\n')
    assert main(['verify', str(broken)]) == 1
    assert 'governance.p7s: signed text differs from governance.xml' in capsys.readouterr().out
    assert main(['enclave', 'robot1', 'ledger']) == 0
    assert capsys.readouterr().out == '/fracturescope/robot1/ledger\n'
