"""S/MIME signing of governance and permissions documents, and a verification that does not need OpenSSL's CLI.

Signing is what sros2 does (sros2/_utilities.py, _sign_bytes_pkcs7): a detached PKCS#7 signature in text mode,
SHA-256, by the permissions CA. Fast DDS reads the result with SMIME_read_PKCS7 and PKCS7_verify(..., PKCS7_TEXT)
against permissions_ca.cert.pem (fastdds security/accesscontrol/Permissions.cpp, load_signed_file).
`cryptography` can sign but not verify PKCS#7, so `verify_signed` checks the CMS SignedData itself (RFC 5652
section 5.4: the messageDigest attribute over the signed MIME part, the signature over the DER signed attributes).
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7

_TEXT_HEADER = b'Content-Type: text/plain\r\n\r\n'
# DER of the object identifiers read below
_OID_SIGNED_DATA = bytes.fromhex('2a864886f70d010702')   # 1.2.840.113549.1.7.2
_OID_DATA = bytes.fromhex('2a864886f70d010701')          # 1.2.840.113549.1.7.1
_OID_CONTENT_TYPE = bytes.fromhex('2a864886f70d010903')  # 1.2.840.113549.1.9.3
_OID_MESSAGE_DIGEST = bytes.fromhex('2a864886f70d010904')  # 1.2.840.113549.1.9.4
_OID_SHA256 = bytes.fromhex('608648016503040201')        # 2.16.840.1.101.3.4.2.1


class SignatureError(Exception):
    """A signed document that is malformed or not signed by the expected CA."""


def sign(document: bytes, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bytes:
    """The S/MIME multipart/signed form of `document`, signed by `cert`/`key`, as sros2 writes .p7s files."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(document).add_signer(cert, key, hashes.SHA256())
    return builder.sign(serialization.Encoding.SMIME,
                        [pkcs7.PKCS7Options.Text, pkcs7.PKCS7Options.DetachedSignature])


def _tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at `at`."""
    if at + 2 > len(data):
        raise SignatureError('truncated DER')
    tag, length, start = data[at], data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise SignatureError('unsupported DER length')
        length, start = int.from_bytes(data[start:start + count], 'big'), start + count
    if start + length > len(data):
        raise SignatureError('truncated DER')
    return tag, start, start + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, value start, value end, element start) of each element in data[start:end]."""
    found, at = [], start
    while at < end:
        tag, value_start, value_end = _tlv(data, at)
        found.append((tag, value_start, value_end, at))
        at = value_end
    return found


def _split_smime(signed: bytes) -> tuple[bytes, bytes]:
    """(signed MIME part, DER signature) of a multipart/signed document (RFC 1847 section 2.1)."""
    header_end = signed.find(b'\r\n\r\n')
    match = re.search(rb'boundary="([^"]+)"', signed[:max(header_end, 0)])
    if header_end < 0 or match is None or b'multipart/signed' not in signed[:header_end]:
        raise SignatureError('not an S/MIME multipart/signed document')
    delimiter = b'\r\n--' + match.group(1)
    parts = signed[header_end:].split(delimiter)
    if len(parts) < 4 or not parts[-1].startswith(b'--'):
        raise SignatureError('expected two MIME parts')
    content, signature_part = parts[1], parts[2]
    if not content.startswith(b'\r\n') or b'\r\n\r\n' not in signature_part:
        raise SignatureError('malformed MIME part')
    headers, body = signature_part[2:].split(b'\r\n\r\n', 1)
    if b'application/x-pkcs7-signature' not in headers and b'application/pkcs7-signature' not in headers:
        raise SignatureError('second part is not a PKCS#7 signature')
    try:
        return content[2:], base64.b64decode(body, validate=False)
    except ValueError as error:
        raise SignatureError(f'signature is not base64: {error}') from error


def _attribute(attrs: bytes, start: int, end: int, oid: bytes) -> bytes:
    """The single value (whole DER element) of attribute `oid` in a SET OF Attribute."""
    for _, a_start, a_end, _ in _children(attrs, start, end):
        (_, o_start, o_end, _), (_, v_start, v_end, _) = _children(attrs, a_start, a_end)
        if attrs[o_start:o_end] == oid:
            values = _children(attrs, v_start, v_end)
            if len(values) != 1:
                raise SignatureError('attribute with several values')
            _, _, value_end, value_at = values[0]
            return attrs[value_at:value_end]
    raise SignatureError('signed attribute missing')


def verify_signed(signed: bytes, ca: x509.Certificate) -> str:
    """The text `signed` carries, after checking its SHA-256 digest, its ECDSA signature, and that the signer is
    `ca` or a certificate `ca` issued; SignatureError otherwise."""
    content, der = _split_smime(signed)
    try:
        _, start, end = _tlv(der, 0)
        (_, o_start, o_end, _), (_, e_start, e_end, _) = _children(der, start, end)
        if der[o_start:o_end] != _OID_SIGNED_DATA:
            raise SignatureError('not a CMS SignedData')
        _, sd_start, sd_end = _tlv(der, e_start)
        fields = _children(der, sd_start, sd_end)
        certificates = [x509.load_der_x509_certificate(der[at:c_end])
                        for f_tag, f_start, f_end, _ in fields if f_tag == 0xA0
                        for _, _, c_end, at in _children(der, f_start, f_end)]
        signer_infos = [f for f in fields if f[0] == 0x31][-1]
        signers = _children(der, signer_infos[1], signer_infos[2])
        if len(signers) != 1:
            raise SignatureError(f'expected one signer, found {len(signers)}')
        _, sid, digest_alg, attrs, _, signature = _children(der, signers[0][1], signers[0][2])[:6]
        (_, i_start, i_end, i_at), (_, n_start, n_end, _) = _children(der, sid[1], sid[2])
        _, a_start, a_end, _ = _children(der, digest_alg[1], digest_alg[2])[0]
    except (ValueError, IndexError) as error:
        raise SignatureError(f'malformed CMS SignedData: {error}') from error
    if attrs[0] != 0xA0 or signature[0] != 0x04:
        raise SignatureError('signer without signed attributes')
    if der[a_start:a_end] != _OID_SHA256:
        raise SignatureError('digest is not SHA-256')
    if _attribute(der, attrs[1], attrs[2], _OID_CONTENT_TYPE)[2:] != _OID_DATA:
        raise SignatureError('signed content is not id-data')
    if _attribute(der, attrs[1], attrs[2], _OID_MESSAGE_DIGEST)[2:] != hashlib.sha256(content).digest():
        raise SignatureError('content does not match its signed digest (document changed after signing)')
    issuer, serial = der[i_at:i_end], int.from_bytes(der[n_start:n_end], 'big', signed=True)
    signer = next((c for c in certificates
                   if c.serial_number == serial and c.issuer.public_bytes() == issuer), None)
    if signer is None:
        raise SignatureError('signer certificate not in the document')
    if signer != ca:
        try:
            signer.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature) as error:
            raise SignatureError(f'signer {signer.subject.rfc4514_string()} not issued by the CA') from error
    public_key = signer.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SignatureError('signer key is not ECDSA')
    signed_attrs = b'\x31' + der[attrs[3] + 1:attrs[2]]  # [0] IMPLICIT is signed as a SET OF (RFC 5652 5.4)
    try:
        public_key.verify(der[signature[1]:signature[2]], signed_attrs, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise SignatureError('signature does not verify') from error
    if not content.startswith(_TEXT_HEADER):
        raise SignatureError('signed part is not text/plain')
    return content[len(_TEXT_HEADER):].replace(b'\r\n', b'\n').decode()

