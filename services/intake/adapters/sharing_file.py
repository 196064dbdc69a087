"""The council's sharing set-up, read from a JSON file (`ASSURE_SHARING_FILE`). Example:

    {
      "council": "fife",
      "name": "Fife Council",
      "leaf": {"host": "0.0.0.0", "port": 7422,
               "tls": {"cert": "/etc/assure/edge.pem", "key": "/etc/assure/edge.key",
                       "ca": "/etc/assure/partner-cas.pem"}},
      "partners": [
        {"council": "perth", "name": "Perth and Kinross Council"},
        {"council": "angus", "name": "Angus Council",
         "url": "nats-leaf://edge.angus.example:7422",
         "password_file": "/etc/assure/angus-leaf.password"}
      ]
    }

A partner without `url` connects to our edge's leaf port as the user named by its council id,
with the password our edge generated for it (`<edge dir>/credentials/leaf-<council>.password`,
given to that council out of band); with `url` ours connects to theirs as our council id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from services.intake.domain.sharing_setup import (
    LeafTls,
    Partner,
    SharingSetup,
    SharingSetupError,
)

KEYS = {"council", "name", "leaf", "partners"}
PARTNER_KEYS = {"council", "name", "url", "password_file"}


def parse(document: Any) -> SharingSetup:
    """The set-up; anything wrong is refused with SharingSetupError naming it."""
    if not isinstance(document, dict):
        raise SharingSetupError("the sharing set-up is a JSON object")
    _refuse_unknown(document, KEYS, "sharing set-up")
    leaf = document.get("leaf") or {}
    if not isinstance(leaf, dict):
        raise SharingSetupError("leaf is an object with host and port")
    _refuse_unknown(leaf, {"host", "port", "tls"}, "leaf")
    partners = [_partner(item) for item in document.get("partners") or []]
    return SharingSetup(
        council=str(document.get("council", "")), name=str(document.get("name", "")).strip()
        or str(document.get("council", "")),
        partners={p.council: p for p in partners},
        leaf_host=str(leaf.get("host", "127.0.0.1")),
        leaf_port=int(leaf["port"]) if leaf.get("port") else None,
        leaf_tls=_tls(leaf["tls"]) if leaf.get("tls") else None,
    )


def _tls(given: Any) -> LeafTls:
    if not isinstance(given, dict) or set(given) != {"cert", "key", "ca"}:
        raise SharingSetupError("leaf.tls names the edge's cert and key and the partners' ca")
    return LeafTls(Path(given["cert"]), Path(given["key"]), Path(given["ca"]))


def _partner(item: Any) -> Partner:
    if not isinstance(item, dict):
        raise SharingSetupError("each partner is an object with council and name")
    _refuse_unknown(item, PARTNER_KEYS, "partner")
    password_file = item.get("password_file")
    if item.get("url") and not password_file:
        raise SharingSetupError(f"partner {item.get('council')} has a url but no "
                                "password_file")
    return Partner(council=str(item.get("council", "")), name=str(item.get("name", "")),
                   url=item.get("url") or None,
                   password_file=Path(password_file) if password_file else None)


def _refuse_unknown(given: dict[str, Any], known: set[str], what: str) -> None:
    unknown = sorted(set(given) - known)
    if unknown:
        raise SharingSetupError(f"unknown {what} setting(s): {', '.join(unknown)}")


def load(path: str | Path | None) -> SharingSetup | None:
    """The set-up in the file, or None (no sharing) when no file is named."""
    if not path:
        return None
    try:
        return parse(json.loads(Path(path).read_text()))
    except (OSError, json.JSONDecodeError, SharingSetupError, ValueError) as error:
        raise SharingSetupError(f"{path}: {error}") from error
