"""Who this council is to other councils, and which councils it may make agreements with.

Set once by the council (a file, `ASSURE_SHARING_FILE`; read by adapters/sharing_file.py): its
own short id (a token of the subjects `share.<from>.<to>...`) and name, and each partner council
with how their edge servers meet: the partner connects to our edge's leaf port (`listen`), or
ours connects to theirs (`url`, with the password their council gave us). Agreements are made
only with partners named here: a link is set up by people who have talked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

COUNCIL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


class SharingSetupError(ValueError):
    """The council's sharing set-up is wrong; the message names the fault."""


@dataclass(frozen=True)
class Partner:
    """A council we may share with, and how our edge servers are linked."""

    council: str
    name: str
    url: str | None = None  # nats-leaf://host:port of the partner's edge: we connect to it
    password_file: Path | None = None  # the password the partner gave us for that link

    @property
    def connects_to_us(self) -> bool:
        return self.url is None


@dataclass(frozen=True)
class LeafTls:
    """Mutual TLS between councils' edges: our certificate and key, and the CA (or bundle) of
    the partners' certificates we trust. Our listener then requires a partner's certificate,
    and we present ours when we dial."""

    cert: Path
    key: Path
    ca: Path


@dataclass(frozen=True)
class SharingSetup:
    """This council's id and name, its partners, and where its edge listens for partners."""

    council: str
    name: str
    partners: dict[str, Partner] = field(default_factory=dict)
    leaf_host: str = "127.0.0.1"
    leaf_port: int | None = None  # where partners that connect to us do; None: a free port
    leaf_tls: LeafTls | None = None  # across any network but loopback, always

    def __post_init__(self) -> None:
        check_council_id(self.council, "council")
        for partner in self.partners.values():
            check_council_id(partner.council, "partners")
            if partner.council == self.council:
                raise SharingSetupError("a council does not share with itself")
            if not partner.name.strip():
                raise SharingSetupError(f"partner {partner.council} needs a name")
            if partner.url and not partner.url.startswith(("nats-leaf://", "tls://")):
                raise SharingSetupError(f"partner {partner.council}'s url must be a "
                                        "nats-leaf:// or tls:// address of its edge")

    def partner(self, council: str) -> Partner | None:
        return self.partners.get(council)


def check_council_id(value: str, where: str) -> str:
    if not COUNCIL_ID.match(value or ""):
        raise SharingSetupError(f"{where}: {value!r} is not a council id (1-32 lower-case "
                                "letters, digits or hyphens)")
    return value
