"""The council's edge server: the nats-server that meets other councils' (issue 20).

Why a server of its own: NATS accounts are what let a server itself refuse what no agreement
allows (each partner's leaf connection is bound to an account of its own, which can reach only
the subjects imported into it), and JetStream lives in the global account only while a server
has no accounts, so the council's internal bus, with its streams, stays as it is and never
touches another council. The edge holds only what is shared: one JetStream stream of what
arrives (`SHARED_IN`, `share.*.<us>.>`) and the accounts:

- `SHARING`: our Assure's user `sharing`, with JetStream. It *imports* from each partner's
  account exactly the subjects we may send (`share.<us>.<p>.<category>.<service id>` for each
  category we send under an agreement in force, and `share.<us>.<p>.agreement.*`), and
  *exports* to it exactly what we accept from it (the same the other way round), which our
  stream captures and acknowledges.
- `PARTNER_<P>`: the partner's leaf connection, bound here whichever side dials. It exports
  `share.<us>.<p>.>` (served across the leaf by the partner's edge) and imports from `SHARING`
  what we accept.

A subject not imported goes nowhere (a publisher is told there are no responders), and a
message arriving for a subject we do not export is dropped by our server: both edges refuse
what their own agreements do not allow. The configuration is rewritten and the server reloaded
(SIGHUP) whenever the agreements in force change.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from services.intake.domain.sharing_setup import SharingSetup
from shared.at_rest import private_directory
from shared.messaging.credentials import ensure_passwords
from shared.nats_server import EmbeddedNats, JetStreamEncryption, free_port

SHARING_ACCOUNT = "SHARING"
SHARING_USER = "sharing"
STREAM = "SHARED_IN"
AGREEMENT = "agreement"


@dataclass(frozen=True)
class Flow:
    """What flows between us and one partner under the agreements in force: the subjects'
    last two tokens (`<category>.<service id>`) each way."""

    partner: str
    sends: frozenset[tuple[str, str]] = frozenset()
    receives: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class EdgeLayout:
    """Where the edge keeps its files, and the addresses it listens on."""

    directory: Path
    client_port: int
    leaf_host: str = "127.0.0.1"
    leaf_port: int | None = None
    sync_always: bool = False
    encryption: JetStreamEncryption | None = None  # the key comes from the environment

    @property
    def config(self) -> Path:
        return self.directory / "edge.conf"

    @property
    def pid_file(self) -> Path:
        return self.directory / "nats-server.pid"

    @property
    def credentials(self) -> Path:
        return self.directory / "credentials"


def account_of(partner: str) -> str:
    return f"PARTNER_{partner.upper().replace('-', '_')}"


def leaf_password_user(partner: str) -> str:
    """The file our edge keeps a connecting partner's password in: `leaf-<partner>.password`."""
    return f"leaf-{partner}"


def stream_subjects(council: str) -> str:
    return f"share.*.{council}.>"


def inbound_filter(council: str, partner: str) -> str:
    return f"share.{partner}.{council}.>"


@dataclass
class EdgeConfig:
    """Renders the edge's nats-server configuration (see the module's docstring)."""

    setup: SharingSetup
    layout: EdgeLayout
    passwords: dict[str, str] = field(default_factory=dict)

    def render(self, flows: Iterable[Flow]) -> str:
        by_partner = {flow.partner: flow for flow in flows}
        flows_ = [by_partner.get(p, Flow(p)) for p in sorted(self.setup.partners)]
        lines = [
            f"server_name: {_q('edge-' + self.setup.council)}",
            f"listen: {_q(f'127.0.0.1:{self.layout.client_port}')}",
            f"pid_file: {_q(str(self.layout.pid_file))}",
            "jetstream {",
            f"  store_dir: {_q(str(self.layout.directory / 'jetstream'))}",
            *(["  sync_interval: always"] if self.layout.sync_always else []),
            *(self.layout.encryption.block().splitlines() if self.layout.encryption else []),
            "}",
            "accounts {",
            *self._sharing_account(flows_),
            *(line for flow in flows_ for line in self._partner_account(flow)),
            "}",
            *self._leafnodes(),
        ]
        return "\n".join(lines) + "\n"

    def _sharing_account(self, flows: list[Flow]) -> list[str]:
        us = self.setup.council
        imports, exports = [], []
        for flow in flows:
            account, p = account_of(flow.partner), flow.partner
            imports.append(_import(account, f"share.{us}.{p}.{AGREEMENT}.*"))
            imports += [_import(account, f"share.{us}.{p}.{c}.{s}") for c, s in
                        sorted(flow.sends)]
            exports.append(_export(f"share.{p}.{us}.{AGREEMENT}.*", account))
            exports += [_export(f"share.{p}.{us}.{c}.{s}", account) for c, s in
                        sorted(flow.receives)]
        user = f"{{user: {_q(SHARING_USER)}, password: {_q(self.passwords[SHARING_USER])}}}"
        return [f"  {SHARING_ACCOUNT}: {{", "    jetstream: enabled",
                f"    users: [ {user} ]", *_block("imports", imports),
                *_block("exports", exports), "  }"]

    def _partner_account(self, flow: Flow) -> list[str]:
        us, p = self.setup.council, flow.partner
        exports = [_export(f"share.{us}.{p}.>", SHARING_ACCOUNT)]
        imports = [_import(SHARING_ACCOUNT, f"share.{p}.{us}.{AGREEMENT}.*")]
        imports += [_import(SHARING_ACCOUNT, f"share.{p}.{us}.{c}.{s}") for c, s in
                    sorted(flow.receives)]
        return [f"  {account_of(p)}: {{", *_block("imports", imports),
                *_block("exports", exports), "  }"]

    def _leafnodes(self) -> list[str]:
        listening = [p for p in self.setup.partners.values() if p.connects_to_us]
        dialling = [p for p in self.setup.partners.values() if not p.connects_to_us]
        if not listening and not dialling:
            return []
        lines = ["leafnodes {"]
        if listening:
            users = [f"{{user: {_q(p.council)}, password: "
                     f"{_q(self.passwords[leaf_password_user(p.council)])}, "
                     f"account: {_q(account_of(p.council))}}}" for p in listening]
            port = self.layout.leaf_port
            lines += [f"  listen: {_q(f'{self.layout.leaf_host}:{port}')}",
                      *self._tls(verify=True, indent=2),
                      "  authorization {", *_block("users", users, indent=4), "  }"]
        if dialling:
            tls = " ".join(line.strip() for line in self._tls(verify=False, indent=0))
            remotes = [f"{{url: {_q(self._dial(p.url, p.password_file))}, "
                       f"account: {_q(account_of(p.council))}{(', ' + tls) if tls else ''}}}"
                       for p in dialling]
            lines += _block("remotes", remotes, indent=2)
        return [*lines, "}"]

    def _tls(self, verify: bool, indent: int) -> list[str]:
        """Mutual TLS between the edges, when the set-up names certificates: a listener
        requires the partner's certificate; a dialler presents ours."""
        tls = self.setup.leaf_tls
        if tls is None:
            return []
        pad = " " * indent
        return [f"{pad}tls {{ cert_file: {_q(str(tls.cert))}, key_file: {_q(str(tls.key))}, "
                f"ca_file: {_q(str(tls.ca))},{' verify: true,' if verify else ''} timeout: 2 }}"]

    def _dial(self, url: str | None, password_file: Path | None) -> str:
        """The partner's leaf address with our council id and the password it gave us."""
        assert url and password_file
        password = Path(password_file).read_text().strip()
        parts = urlsplit(url)
        netloc = f"{quote(self.setup.council)}:{quote(password, safe='')}@{parts.hostname}"
        netloc += f":{parts.port}" if parts.port else ""
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _q(text: str) -> str:
    if any(ch in text for ch in '"\\\n\r\t'):
        raise ValueError(f"{text!r} cannot be written into a nats-server configuration")
    return json.dumps(text)


def _import(account: str, subject: str) -> str:
    return f"{{service: {{account: {_q(account)}, subject: {_q(subject)}}}}}"


def _export(subject: str, account: str) -> str:
    return f"{{service: {_q(subject)}, accounts: [{_q(account)}]}}"


def _block(name: str, items: list[str], indent: int = 4) -> list[str]:
    pad = " " * indent
    return [f"{pad}{name}: [", *(f"{pad}  {item}" for item in items), f"{pad}]"]


# The server itself -----------------------------------------------------------------------------


class EdgeServer:
    """The edge: the bundled nats-server started with the rendered configuration (the embedded
    default), or one run by the council (`ASSURE_SHARING_NATS_URL`) whose configuration file
    and pid file are in the same directory (deploy/README.md "Sharing with other councils")."""

    def __init__(self, setup: SharingSetup, directory: Path, url: str | None = None,
                 sync_always: bool = False,
                 encryption: JetStreamEncryption | None = None) -> None:
        private_directory(directory)
        self.external_url = url
        client_port = urlsplit(url).port or 4222 if url else free_port()
        self.layout = EdgeLayout(directory, client_port, setup.leaf_host,
                                 setup.leaf_port or free_port(), sync_always, encryption)
        users = [SHARING_USER, *(leaf_password_user(p.council)
                                 for p in setup.partners.values() if p.connects_to_us)]
        self.config = EdgeConfig(setup, self.layout,
                                 ensure_passwords(self.layout.credentials, users))
        self.rendered: str | None = None
        self._process: EmbeddedNats | None = None

    @property
    def url(self) -> str:
        return self.external_url or f"nats://127.0.0.1:{self.layout.client_port}"

    @property
    def password(self) -> str:
        return self.config.passwords[SHARING_USER]

    def start(self, flows: Iterable[Flow]) -> EdgeServer:
        changed = self.write(flows)
        if self.external_url is None:
            self._process = _Spawned(self.layout).start()
        elif changed:
            self.reload()  # the council's own server: it takes the agreements as they are now
        return self

    def write(self, flows: Iterable[Flow]) -> bool:
        """Writes the configuration for these flows; True if it changed."""
        text = self.config.render(flows)
        if text == self.rendered:
            return False
        self.layout.config.touch(mode=0o600)  # it holds the passwords
        self.layout.config.write_text(text)
        self.rendered = text
        return True

    def apply(self, flows: Iterable[Flow]) -> bool:
        """Rewrites the configuration and has the server reload it, if anything changed."""
        if not self.write(flows):
            return False
        self.reload()
        return True

    def reload(self) -> None:
        """SIGHUP to the server: ours, or the one whose pid file is in the edge directory."""
        pid = self._process.process.pid if self._process and self._process.process else None
        if pid is None and self.layout.pid_file.exists():
            pid = int(self.layout.pid_file.read_text().strip() or 0) or None
        if pid:
            os.kill(pid, signal.SIGHUP)

    def stop(self, kill: bool = False) -> None:
        if self._process is not None:
            self._process.stop(kill=kill)
            self._process = None


class _Spawned(EmbeddedNats):
    """The bundled nats-server, on the edge's own configuration file."""

    def __init__(self, layout: EdgeLayout) -> None:
        super().__init__(layout.directory, port=layout.client_port,
                         encryption=layout.encryption)
        self.layout = layout

    def _config(self) -> Path:
        return self.layout.config
