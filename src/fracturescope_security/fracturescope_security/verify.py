"""Checks of a keystore before it goes on a robot, where a wrong file only shows as a node that cannot join."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
import stat

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from fracturescope_security.graph import load_graph
from fracturescope_security.keystore import ENCLAVE_FILES, Keystore, load_ca
from fracturescope_security.policy import grant_for, grant_in
from fracturescope_security.smime import SignatureError, verify_signed


def _private(path: Path) -> list[str]:
    mode = stat.S_IMODE(path.stat().st_mode)
    return [] if mode & 0o077 == 0 else [f'{path}: private key readable by others (mode {mode:04o})']


def _signed(path: Path, ca: x509.Certificate, expected: Path) -> tuple[list[str], str | None]:
    """Problems with a .p7s (signature, and whether it carries `expected`), and the text it carries."""
    try:
        text = verify_signed(path.read_bytes(), ca)
    except SignatureError as error:
        return [f'{path}: {error}'], None
    if text != expected.read_text():
        return [f'{path}: signed text differs from {expected.name}'], text
    return [], text


def _enclave(keystore: Keystore, enclave: str, ca: x509.Certificate, governance: str | None,
             now: datetime.datetime) -> list[str]:
    folder = keystore.enclave_dir(enclave)
    missing = [name for name in ENCLAVE_FILES if not (folder / name).is_file()]
    if missing:
        return [f'enclave {enclave}: missing {", ".join(missing)}']
    problems = [f'{folder / name}: not the keystore CA' for name in ('identity_ca.cert.pem', 'permissions_ca.cert.pem')
                if x509.load_pem_x509_certificate((folder / name).read_bytes()) != ca]
    if governance is not None and verify_signed((folder / 'governance.p7s').read_bytes(), ca) != governance:
        problems.append(f'{folder / "governance.p7s"}: not the keystore governance')
    cert = x509.load_pem_x509_certificate((folder / 'cert.pem').read_bytes())
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        problems.append(f'enclave {enclave}: cert.pem not issued by the identity CA')
    if cert.subject.rfc4514_string() != f'CN={enclave}':
        problems.append(f'enclave {enclave}: cert.pem subject is {cert.subject.rfc4514_string()}')
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        problems.append(f'enclave {enclave}: cert.pem not valid now')
    key = serialization.load_pem_private_key((folder / 'key.pem').read_bytes(), None)
    if key.public_key() != cert.public_key():
        problems.append(f'enclave {enclave}: key.pem does not match cert.pem')
    problems += _private(folder / 'key.pem')
    signed_problems, text = _signed(folder / 'permissions.p7s', ca, folder / 'permissions.xml')
    problems += signed_problems
    if text is not None and grant_in(text.encode())[0] != f'CN={enclave}':
        problems.append(f'enclave {enclave}: permissions granted to {grant_in(text.encode())[0]}')
    return problems


def verify_keystore(root: str | os.PathLike, now: datetime.datetime | None = None) -> list[str]:
    """Every problem found: CA, signatures of governance and permissions, each identity's chain, key and modes,
    and (when the keystore holds its graph file) that each node's permissions are exactly what its graph implies.
    Empty when the keystore is sound."""
    keystore = Keystore(Path(root))
    now = now or datetime.datetime.now(datetime.UTC)
    try:
        ca, ca_key = load_ca(keystore)
    except (OSError, ValueError) as error:
        return [f'no usable CA in {keystore.root}: {error}']
    problems = []
    if ca_key.public_key() != ca.public_key():
        problems.append('private/ca.key.pem does not match public/ca.cert.pem')
    try:
        ca.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        problems.append('public/ca.cert.pem is not a self-signed CA')
    problems += _private(keystore.ca_key)
    for cert_path in (keystore.identity_ca_cert, keystore.permissions_ca_cert):
        if not cert_path.is_file() or x509.load_pem_x509_certificate(cert_path.read_bytes()) != ca:
            problems.append(f'{cert_path}: not the keystore CA')
    governance_problems, governance = _signed(keystore.enclaves / 'governance.p7s', ca,
                                              keystore.enclaves / 'governance.xml')
    problems += governance_problems
    enclaves = keystore.enclave_names()
    for enclave in enclaves:
        problems += _enclave(keystore, enclave, ca, governance, now)
    if keystore.graph.is_file():
        nodes = {node.enclave: node for node in load_graph(keystore.graph)}
        problems += [f'enclave {e}: no node of {keystore.graph.name} has it' for e in enclaves if e not in nodes]
        for enclave, node in nodes.items():
            permissions = keystore.enclave_dir(enclave) / 'permissions.xml'
            if not permissions.is_file():
                problems.append(f'node {enclave}: no enclave')
            elif grant_in(permissions.read_bytes())[1] != grant_for(node):
                problems.append(f'node {enclave}: permissions differ from what {keystore.graph.name} implies')
    return problems
