"""notify's routes for operators: deliveries, failures and resends, the schedule, the rules."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.notify.application.projections import delivery_shown
from services.notify.domain.delivery import Delivery, Status
from shared.http import IsoDateTime, PageOf, application_of, counted
from shared.security.actor import Actor

router = APIRouter(tags=["notify"])
App = Annotated[Any, Depends(application_of("notify"))]


class DeliveryView(BaseModel):
    delivery_id: UUID
    notification_id: str
    provider_id: str
    recipient: str
    channel: str
    addresses: list[str]
    subject: str
    urgent: bool
    status: Status
    attempts: int
    last_error: str
    about_event_type: str
    about_event_id: str
    queued_at: datetime
    sent_at: datetime | None
    digest: str | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryView:
        return cls.model_validate(delivery_shown(d))


class Resend(BaseModel):
    """Nothing to say: who sends it again is the signed-in person."""

    model_config = ConfigDict(extra="forbid")


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: IsoDateTime = Field(description="Run the schedule as at this time (naive: UK time).")


class ScheduleAnswer(BaseModel):
    at: datetime
    reminders: int
    digests: int


@router.get("/deliveries", response_model=list[DeliveryView])
def deliveries(
    app: App, response: Response, paging: PageOf,
    status: Annotated[Status | None, Query()] = None,
    recipient: Annotated[str | None, Query(max_length=80)] = None,
) -> list[dict[str, Any]]:
    """E-mail and webhook deliveries, newest first, by status or recipient. Paged with `limit`
    and `offset`; X-Total-Count says how many there are."""
    return counted(response, app.deliveries(status, recipient, paging))


@router.get("/failures", response_model=list[DeliveryView])
def failures(app: App, response: Response, paging: PageOf) -> list[dict[str, Any]]:
    """Deliveries given up after repeated failures (each also published as NotificationFailed),
    in the order they failed."""
    return counted(response, app.failures(paging))


@router.post("/failures/{delivery_id}/retry", response_model=DeliveryView)
def retry(app: App, delivery_id: UUID, body: Resend, actor: Actor) -> DeliveryView:
    """Sends a failed delivery again, under the same id and Message-ID."""
    return DeliveryView.of(app.retry_failed(delivery_id, actor.display))


@router.post("/schedule/run", response_model=ScheduleAnswer)
def run_schedule(app: App, body: ScheduleRequest) -> ScheduleAnswer:
    """Sends the reminders and digests due by a time (the background job uses the clock)."""
    result = app.run_schedule(body.at)
    return ScheduleAnswer(at=result.at, reminders=result.reminders, digests=result.digests)


@router.get("/routing")
def routing(app: App) -> list[dict[str, Any]]:
    """The routing rules in force: event type, conditions, recipients, urgency, and why."""
    return [asdict(rule) for rule in app.config.rules]
