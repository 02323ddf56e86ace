"""The SROS2 keystore on disk: a CA, governance, and one enclave per node with its identity and permissions.

Layout as `ros2 security create_keystore` / `create_enclave` write it (sros2/keystore/_keystore.py, _enclave.py),
with one CA serving as both identity and permissions CA (sros2's default, through symlinks):

    public/ca.cert.pem, identity_ca.cert.pem -> ca.cert.pem, permissions_ca.cert.pem -> ca.cert.pem
    private/ca.key.pem, identity_ca.key.pem -> ca.key.pem, permissions_ca.key.pem -> ca.key.pem
    enclaves/governance.xml, governance.p7s
    enclaves/<enclave path>/cert.pem, key.pem, permissions.xml, permissions.p7s and links to
        identity_ca.cert.pem, permissions_ca.cert.pem, governance.p7s
    graph.yaml (ours: the graph the permissions came from)

rcl (rmw_dds_common/src/security.cpp, get_security_files) opens exactly identity_ca.cert.pem, cert.pem, key.pem,
permissions_ca.cert.pem, governance.p7s and permissions.p7s in the enclave's folder. Keys and certificates follow
sros2/_utilities.py (build_key_and_cert): ECDSA P-256 (DDS-Security 1.1 section 9.3.1), SHA-256, CA with
BasicConstraints(ca, path_length=1), valid from a day before now for ten years. Private keys are 0600 here.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fracturescope_security.policy import NodeGraph, governance_xml, grant_for, permissions_xml
from fracturescope_security.smime import sign

CA_COMMON_NAME = 'FractureScope SROS2 CA'
VALID_DAYS = 3650
GRAPH_FILE = 'graph.yaml'
ENCLAVE_FILES = ('cert.pem', 'key.pem', 'identity_ca.cert.pem', 'permissions_ca.cert.pem', 'governance.p7s',
                 'permissions.xml', 'permissions.p7s')


@dataclass(frozen=True)
class Keystore:
    """Paths of a keystore rooted at `root`."""

    root: Path

    @property
    def ca_cert(self) -> Path:
        return self.root / 'public' / 'ca.cert.pem'

    @property
    def ca_key(self) -> Path:
        return self.root / 'private' / 'ca.key.pem'

    @property
    def identity_ca_cert(self) -> Path:
        return self.root / 'public' / 'identity_ca.cert.pem'

    @property
    def permissions_ca_cert(self) -> Path:
        return self.root / 'public' / 'permissions_ca.cert.pem'

    @property
    def enclaves(self) -> Path:
        return self.root / 'enclaves'

    @property
    def graph(self) -> Path:
        return self.root / GRAPH_FILE

    def enclave_dir(self, enclave: str) -> Path:
        return self.enclaves / enclave.strip('/')

    def enclave_names(self) -> list[str]:
        """Every enclave with a key, as sros2's list_enclaves finds them."""
        return sorted('/' + p.parent.relative_to(self.enclaves).as_posix() for p in self.enclaves.glob('**/key.pem'))


def _write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only, whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, 'wb') as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(data)


def _symlink(target: str, link: Path) -> None:
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate | None,
                 issuer_key: ec.EllipticCurvePrivateKey, now: datetime.datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    ca = issuer is None
    return (x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name if ca else issuer.subject)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .public_key(key.public_key())
            .add_extension(x509.BasicConstraints(ca=ca, path_length=1 if ca else None), critical=ca)
            .sign(issuer_key, hashes.SHA256()))


def load_ca(keystore: Keystore) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The keystore's CA certificate and key."""
    key = serialization.load_pem_private_key(keystore.ca_key.read_bytes(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f'{keystore.ca_key}: not an ECDSA key')
    return x509.load_pem_x509_certificate(keystore.ca_cert.read_bytes()), key


def ensure_ca(keystore: Keystore, now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The keystore's CA, made on first use: kept afterwards so that robots already provisioned keep trusting it."""
    for folder in ('public', 'private', 'enclaves'):
        (keystore.root / folder).mkdir(parents=True, exist_ok=True)
    os.chmod(keystore.root / 'private', 0o700)
    if not keystore.ca_key.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(CA_COMMON_NAME, key, None, key, now)
        _write_private(keystore.ca_key, _key_pem(key))
        keystore.ca_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    for role in ('identity_ca', 'permissions_ca'):
        _symlink('ca.cert.pem', keystore.root / 'public' / f'{role}.cert.pem')
        _symlink('ca.key.pem', keystore.root / 'private' / f'{role}.key.pem')
    return load_ca(keystore)


def _identity(folder: Path, enclave: str, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey,
              now: datetime.datetime) -> x509.Certificate:
    """The enclave's certificate (CN=<enclave>, issued by the identity CA): kept if it still is, else made anew."""
    cert_path, key_path = folder / 'cert.pem', folder / 'key.pem'
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        try:
            cert.verify_directly_issued_by(ca)
            if cert.public_key() == key.public_key() and cert.subject.rfc4514_string() == f'CN={enclave}':
                return cert
        except (ValueError, TypeError):
            pass
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(enclave, key, ca, ca_key, now)
    _write_private(key_path, _key_pem(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def write_keystore(root: str | os.PathLike, nodes: list[NodeGraph], domain_id: int,
                   now: datetime.datetime | None = None) -> list[str]:
    """Create or update the keystore at `root` for `nodes` on `domain_id`: CA (kept if there), signed governance,
    and per node an enclave with its identity (kept if still valid) and signed least-privilege permissions.
    Returns the enclaves written."""
    keystore = Keystore(Path(root))
    now = now or datetime.datetime.now(datetime.UTC)
    ca, ca_key = ensure_ca(keystore, now)
    governance = governance_xml(domain_id)
    (keystore.enclaves / 'governance.xml').write_bytes(governance)
    (keystore.enclaves / 'governance.p7s').write_bytes(sign(governance, ca, ca_key))
    written = []
    for node in nodes:
        folder = keystore.enclave_dir(node.enclave)
        folder.mkdir(parents=True, exist_ok=True)
        for name, target in (('identity_ca.cert.pem', keystore.identity_ca_cert),
                             ('permissions_ca.cert.pem', keystore.permissions_ca_cert),
                             ('governance.p7s', keystore.enclaves / 'governance.p7s')):
            _symlink(os.path.relpath(target, folder), folder / name)
        cert = _identity(folder, node.enclave, ca, ca_key, now)
        permissions = permissions_xml(node.enclave, grant_for(node), domain_id, cert.not_valid_before_utc,
                                      cert.not_valid_after_utc)
        (folder / 'permissions.xml').write_bytes(permissions)
        (folder / 'permissions.p7s').write_bytes(sign(permissions, ca, ca_key))
        written.append(node.enclave)
    return written
