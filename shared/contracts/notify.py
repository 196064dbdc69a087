"""Events published by notify: who was told what, through which channel."""

from shared.contracts.envelope import IntegrationEvent, contract

STREAM = "NOTIFY"
SUBJECTS = "evt.notify.>"
NOTIFICATION_DELIVERED = "evt.notify.*.*.NotificationDelivered"


@contract
class NotificationDelivered(IntegrationEvent):
    """A notification reached a recipient's channel (the in-app inbox for now)."""

    event_type = "NotificationDelivered"
    source_service = "notify"

    notification_id: str
    recipient: str
    channel: str
    about_event_id: str
    about_event_type: str
    reference: str | None = None  # what it was about, e.g. the return request's id
