"""Whose inbox a notification is in, for the sign-in guard in front of notify's routes: a
provider's users may read only their own provider's notifications."""

from __future__ import annotations

from uuid import UUID

from services.notify.domain.notification import Notification
from shared.eventstore import ServiceApplication


def recipient_of(app: ServiceApplication, notification_id: UUID) -> str:
    """The notification's recipient, read from notify's store (raises NotFound if none)."""
    return app.get(Notification, notification_id).recipient
