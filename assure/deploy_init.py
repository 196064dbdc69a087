"""`assure deploy init`: everything the quick start in deploy/README.md needs, in one directory.

A NATS password per user (the services' and the operators' `admin`), a self-signed CA with a
certificate for the NATS server (its host name in the subjectAltName, server and client use, so
a cluster's routes can use it too), a new ASSURE_CIPHER_KEY and the NATS key derived from it,
and two environment files: `nats.env` for the server and `assure.env` for `assure up`. Every
file is the owner's alone (0600, directories 0700); nothing is overwritten.

The CA is for a first installation and for trials: a council's own CA (or its PKI team's
certificates) replaces it by pointing the same variables at other files.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from eventsourcing.cryptography import AESCipher

from assure.services import ALL
from shared.at_rest import nats_key
from shared.messaging.credentials import Authorization, password_variable
from shared.messaging.topology import Topology

VALID_DAYS = 825  # the longest a server certificate browsers and most clients still accept


class AlreadyThere(FileExistsError):
    """The directory holds files already: nothing is overwritten."""


@dataclass(frozen=True)
class Generated:
    directory: Path
    files: tuple[Path, ...]

    def lines(self) -> list[str]:
        return [f"wrote {f.relative_to(self.directory)}" for f in self.files]


def init(directory: Path, host: str = "localhost", store_dir: Path | None = None,
         partitions: int = 4) -> Generated:
    """Writes the credentials, certificates, keys and environment files for one machine."""
    if directory.exists() and any(directory.iterdir()):
        raise AlreadyThere(f"{directory} is not empty: nothing was written (choose an empty "
                           "directory, or delete the old one once nothing uses it)")
    old = os.umask(0o077)
    try:
        return _write(directory.resolve(), host, (store_dir or directory / "nats").resolve(),
                      partitions)
    finally:
        os.umask(old)


def _write(directory: Path, host: str, store_dir: Path, partitions: int) -> Generated:
    credentials, tls = directory / "nats-credentials", directory / "tls"
    for folder in (directory, credentials, tls, store_dir):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    files: list[Path] = []
    passwords = {}
    authorization = Authorization.of(Topology(partitions, ""),
                                     {d.name: tuple(d.consumes) for d in ALL})
    for user in authorization.users:
        passwords[user] = secrets.token_hex(32)
        files.append(_file(credentials / f"{user}.password", passwords[user]))
    ca_key, ca = _certificate_authority()
    server_key, server = _server_certificate(ca_key, ca, host)
    files += [_file(tls / "ca.pem", _pem(ca)), _file(tls / "ca-key.pem", _key_pem(ca_key)),
              _file(tls / "nats.pem", _pem(server)),
              _file(tls / "nats-key.pem", _key_pem(server_key))]
    cipher_key = AESCipher.create_key(32)
    server_env = {password_variable(user).name: password for user, password in passwords.items()}
    server_env |= {
        "ASSURE_NATS_SERVER_TLS_CERT": str(tls / "nats.pem"),
        "ASSURE_NATS_SERVER_TLS_KEY": str(tls / "nats-key.pem"),
        "ASSURE_NATS_SERVER_TLS_CA": str(tls / "ca.pem"),
        "ASSURE_NATS_ENCRYPTION_KEY": nats_key(cipher_key),
        "ASSURE_NATS_STORE_DIR": str(store_dir),
    }
    assure_env = {
        "ASSURE_NATS_URL": f"nats://{host}:4222",
        "ASSURE_NATS_CREDENTIALS_DIR": str(credentials),
        "ASSURE_NATS_TLS_CA": str(tls / "ca.pem"),
        "ASSURE_PARTITIONS": str(partitions),
        "ASSURE_CIPHER_KEY": cipher_key,
    }
    files.append(_file(directory / "nats.env", _env(
        "The NATS server's environment (deploy/nats/nats-server.conf reads it)", server_env)))
    files.append(_file(directory / "assure.env", _env(
        "Assure's NATS and key settings; add the rest from deploy/assure.env.example",
        assure_env)))
    return Generated(directory, tuple(files))


def _file(path: Path, text: str) -> Path:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")
    return path


def _env(title: str, values: dict[str, str]) -> str:
    return "\n".join([f"# {title}. Secret: keep it the owner's alone.",
                      *(f"{k}={v}" for k, v in values.items())])


def _certificate_authority() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Assure local CA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256()))
    return key, certificate


def _server_certificate(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate,
                        host: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(host)]
    if host != "localhost":
        names.append(x509.DNSName("localhost"))
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                              ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256()))
    return key, certificate


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
