"""Which council roles read one of notify's inboxes, published for the console (which tells a
person whose role reads none, an auditor, that notify writes to nobody in it)."""

from __future__ import annotations

from services.notify.application.readers import ROLE_INBOXES

__all__ = ["ROLE_INBOXES"]
