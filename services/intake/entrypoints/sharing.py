"""Routes for sharing intelligence with other councils (issue 20): agreements, what we shared,
what arrived from where. Who acts is the signed-in person; the role matrix says who may."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.intake.application import Intake
from services.intake.application.sharing_agreements import ProposedTerms
from services.intake.application.sharing_views import agreement_shown
from shared.contracts.envelope import PROVIDER_ID_PATTERN
from shared.contracts.sharing import COUNCIL_PATTERN, Category
from shared.http import CorrelationId, IsoDate, PageOf, application_of, counted
from shared.security.actor import Actor

router = APIRouter(prefix="/sharing", tags=["intake: sharing with other councils"])
App = Annotated[Intake, Depends(application_of("intake"))]
AgreementReference = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,80}$")]
Council = Annotated[str, Field(pattern=COUNCIL_PATTERN)]
ServiceId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Reason = Annotated[str, Field(min_length=1, max_length=1000)]
ProviderQuery = Annotated[str | None, Query(pattern=PROVIDER_ID_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Proposal(Strict):
    """What we propose to share with a partner council, and what we ask it to share with us."""

    partner: Council
    sends: list[Category] = Field(default=[], max_length=5)
    receives: list[Category] = Field(default=[], max_length=5)
    service_ids: list[ServiceId] = Field(min_length=1, max_length=5000)
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    free_text: list[Category] = Field(default=[], max_length=5)


class Decision(Strict):
    reason: Annotated[str, Field(max_length=1000)] = ""


class Withdrawal(Strict):
    reason: Reason


@router.get("")
def set_up(app: App) -> dict[str, Any]:
    """This council's id and name as partners know it, and its partner councils."""
    setup = app.sharing_setup
    if setup is None:
        return {"council": None, "name": None, "partners": []}
    return {"council": setup.council, "name": setup.name,
            "partners": [{"council": p.council, "name": p.name,
                          "link": "they connect to us" if p.connects_to_us else "we connect"}
                         for p in setup.partners.values()]}


@router.get("/agreements")
def agreements(app: App, response: Response, paging: PageOf,
               status: Literal["proposed", "offered", "awaiting-approval", "active",
                               "suspended", "ended"] | None = None,
               partner: Annotated[str | None, Query(pattern=COUNCIL_PATTERN)] = None,
               ) -> list[dict[str, Any]]:
    """Agreements with partner councils, oldest first: which are in force, which wait."""
    return counted(response, app.agreements(status, partner, paging))


@router.post("/agreements", status_code=201)
def propose(app: App, body: Proposal, correlation: CorrelationId,
            actor: Actor) -> dict[str, Any]:
    """An officer proposes an agreement; a senior who is not the proposer approves it."""
    terms = ProposedTerms(body.partner, [c.value for c in body.sends],
                          [c.value for c in body.receives], body.service_ids, body.starts_on,
                          body.ends_on, tuple(c.value for c in body.free_text))
    return agreement_shown(app.propose_agreement(terms, actor.display, actor.role.value,
                                                 correlation))


@router.get("/agreements/{reference}")
def agreement(app: App, reference: AgreementReference) -> dict[str, Any]:
    """The agreement and every step of it, ours and the partner council's, oldest first."""
    return {**agreement_shown(app.get_agreement(reference)),
            "steps": app.agreement_steps(reference)}


def _decided(app: Intake, reference: str, step: str, body: Decision, correlation: str,
             actor: Any) -> dict[str, Any]:
    return agreement_shown(app.decide_agreement(reference, step, actor.display,
                                                actor.role.value, body.reason, correlation))


@router.post("/agreements/{reference}/approve")
def approve(app: App, reference: AgreementReference, body: Decision,
            correlation: CorrelationId, actor: Actor) -> dict[str, Any]:
    """A senior consents for this council (not the proposer); told to the partner."""
    return _decided(app, reference, "approve", body, correlation, actor)


@router.post("/agreements/{reference}/suspend")
def suspend(app: App, reference: AgreementReference, body: Decision,
            correlation: CorrelationId, actor: Actor) -> dict[str, Any]:
    """Stops the flow both ways at once, with a reason; either council may."""
    return _decided(app, reference, "suspend", body, correlation, actor)


@router.post("/agreements/{reference}/resume")
def resume(app: App, reference: AgreementReference, body: Decision,
           correlation: CorrelationId, actor: Actor) -> dict[str, Any]:
    """Resumes what this council suspended, with a reason."""
    return _decided(app, reference, "resume", body, correlation, actor)


@router.post("/agreements/{reference}/end")
def end(app: App, reference: AgreementReference, body: Decision,
        correlation: CorrelationId, actor: Actor) -> dict[str, Any]:
    """Ends it for good (or declines an offer, or withdraws a proposal), with a reason."""
    return _decided(app, reference, "end", body, correlation, actor)


@router.get("/shared")
def shared(app: App, response: Response, paging: PageOf,
           partner: Annotated[str | None, Query(pattern=COUNCIL_PATTERN)] = None,
           agreement: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,80}$")] = None,
           provider_id: ProviderQuery = None) -> list[dict[str, Any]]:
    """What we shared, when, under which agreement, and whether the partner's edge has it."""
    return counted(response, app.shared_facts(partner, agreement, provider_id, paging))


@router.post("/shared/{fact_id}/withdraw")
def withdraw(app: App, fact_id: UUID, body: Withdrawal, correlation: CorrelationId,
             actor: Actor) -> dict[str, Any]:
    """Takes back a fact shared in error; the partner council marks it withdrawn."""
    fact = app.withdraw_shared_fact(fact_id, body.reason, actor.display, correlation)
    return {"fact_id": str(fact.id), "withdrawn": fact.withdrawn}


@router.get("/arrivals")
def arrivals(app: App, response: Response, paging: PageOf,
             council: Annotated[str | None, Query(pattern=COUNCIL_PATTERN)] = None,
             status: Literal["applied", "refused", "withdrawn"] | None = None,
             provider_id: ProviderQuery = None) -> list[dict[str, Any]]:
    """What arrived from which council, newest first: applied, refused (and why), withdrawn."""
    return counted(response, app.arrivals(council, status, provider_id, paging))
