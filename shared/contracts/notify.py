"""Events published by notify: who was told what, through which channel, and what failed."""

from shared.contracts.envelope import IntegrationEvent, contract

STREAM = "NOTIFY"
SUBJECTS = "evt.notify.>"
NOTIFICATION_DELIVERED = "evt.notify.*.*.NotificationDelivered"
NOTIFICATION_FAILED = "evt.notify.*.*.NotificationFailed"


@contract
class NotificationDelivered(IntegrationEvent):
    """A notification reached a recipient's channel: the in-app inbox, e-mail or a webhook."""

    event_type = "NotificationDelivered"
    source_service = "notify"

    notification_id: str
    recipient: str
    channel: str
    about_event_id: str
    about_event_type: str
    reference: str | None = None  # what it was about, e.g. the return request's id
    delivery_id: str | None = None  # the e-mail or webhook delivery; None for the in-app inbox


@contract
class NotificationFailed(IntegrationEvent):
    """A delivery kept failing and was given up: operators are alerted and can send it again."""

    event_type = "NotificationFailed"
    source_service = "notify"

    notification_id: str
    delivery_id: str
    recipient: str
    channel: str
    about_event_id: str
    about_event_type: str
    attempts: int
    error: str
    reference: str | None = None
