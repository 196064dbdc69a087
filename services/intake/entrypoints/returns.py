"""Routes for returns: which form is owed, submitting, correcting, attaching evidence."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, File, Header, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from services.intake.application import Intake, Submission
from services.intake.domain.monitoring_return import MAX_EVIDENCE_BYTES, MonitoringReturn
from services.intake.entrypoints.registry import Name, Reference
from shared.contracts.forms import FORMS, example
from shared.contracts.intake import Rating
from shared.domain import InvalidInput
from shared.eventstore import NotFound
from shared.http import CorrelationId, application_of
from shared.security.actor import Actor, only_the_file

router = APIRouter(tags=["intake: returns"])
App = Annotated[Intake, Depends(application_of("intake"))]
IdempotencyKey = Annotated[
    str | None, Header(min_length=1, max_length=200, description="Retry-safe submission key")
]


class ReturnBody(BaseModel):
    """A return: which form (and version), its answers, and who submits it."""

    model_config = ConfigDict(extra="forbid")

    form: Annotated[str, Field(min_length=1, max_length=64)]
    form_version: int | None = Field(default=None, ge=1)
    answers: dict[str, Any]
    submitted_by: Name

    def submission(self, logged_by: str) -> Submission:
        return Submission(self.form, self.form_version, self.answers, self.submitted_by,
                          logged_by)


class ReturnView(BaseModel):
    return_id: UUID
    provider_id: str
    contract_reference: str
    form: str
    form_version: int
    period_start: date
    period_end: date
    sections: dict[str, Rating]
    answers: dict[str, Any]
    submitted_by: str
    submitted_on: date
    due_on: date | None
    late: bool
    corrects: str | None
    corrected_by: str | None
    evidence: list[dict[str, Any]]

    @classmethod
    def of(cls, r: MonitoringReturn) -> ReturnView:
        return cls(
            return_id=r.id, provider_id=r.provider_id, contract_reference=r.contract_reference,
            form=r.form, form_version=r.form_version, period_start=r.period_start,
            period_end=r.period_end, sections=r.sections, answers=r.answers,
            submitted_by=r.submitted_by, submitted_on=r.submitted_on, due_on=r.due_on,
            late=r.late, corrects=r.corrects, corrected_by=r.corrected_by, evidence=r.evidence,
        )


class Template(BaseModel):
    contract_reference: str
    level: int | None
    form: str
    period_start: date | None
    period_end: date | None
    due_on: date | None
    request_id: str | None
    example: dict[str, Any]


@router.get("/forms", summary="Every return form and its current version")
def list_forms() -> dict[str, int]:
    return {name: model.version for name, model in FORMS.items()}


@router.get("/forms/{form}", summary="A form's JSON schema and a valid example")
def describe_form(form: str) -> dict[str, Any]:
    model = FORMS.get(form)
    if model is None:
        raise NotFound(f"there is no form called {form}; see /intake/forms")
    return {"form": form, "version": model.version, "schema": model.model_json_schema(),
            "example": example(form)}


@router.get("/contracts/{reference}/template", response_model=Template)
def template(app: App, reference: Reference, form: str | None = None) -> Template:
    """The return a provider owes next (open requests first), with an example body."""
    contract = app.contract(reference)
    open_requests = sorted(
        (r for r in app.requests_for(reference)
         if r.submitted_return is None and (form is None or r.form == form)),
        key=lambda r: r.due_on,
    )
    if open_requests:
        owed = open_requests[0]
        return Template(
            contract_reference=reference, level=contract.level, form=owed.form,
            period_start=owed.period_start, period_end=owed.period_end, due_on=owed.due_on,
            request_id=str(owed.id),
            example=example(owed.form, owed.period_start, owed.period_end),
        )
    upcoming = app.next_owed(contract, form)
    if upcoming is None:
        raise NotFound(f"contract {reference} owes no further returns"
                       + (f" on the {form} form" if form else ""))
    return Template(
        contract_reference=reference, level=contract.level, form=upcoming.form,
        period_start=upcoming.period_start, period_end=upcoming.period_end,
        due_on=upcoming.due_on, request_id=None,
        example=example(upcoming.form, upcoming.period_start, upcoming.period_end),
    )


def _answer(response: Response, result: tuple[MonitoringReturn, bool]) -> ReturnView:
    monitoring_return, created = result
    if not created:
        response.status_code = status.HTTP_200_OK
    return ReturnView.of(monitoring_return)


@router.post("/contracts/{reference}/returns", status_code=201, response_model=ReturnView)
def submit_return(
    app: App, reference: Reference, body: ReturnBody, response: Response,
    correlation: CorrelationId, actor: Actor, idempotency_key: IdempotencyKey = None,
) -> ReturnView:
    """Submit a return; late ones are accepted and marked late; a retry returns the first."""
    return _answer(response, app.submit_return(
        reference, body.submission(actor.display), idempotency_key, correlation))


@router.get("/contracts/{reference}/returns", response_model=list[ReturnView])
def contract_returns(app: App, reference: Reference) -> list[ReturnView]:
    return [ReturnView.of(r) for r in app.returns_for(reference)]


@router.get("/returns/{return_id}", response_model=ReturnView)
def get_return(app: App, return_id: UUID) -> ReturnView:
    return ReturnView.of(app.get_return(return_id))


@router.post("/returns/{return_id}/corrections", status_code=201, response_model=ReturnView)
def correct_return(
    app: App, return_id: UUID, body: ReturnBody, response: Response,
    correlation: CorrelationId, actor: Actor, idempotency_key: IdempotencyKey = None,
) -> ReturnView:
    """Correct a return: a new submission linked to the original; both stay in the history."""
    original = app.get_return(return_id)
    return _answer(response, app.submit_return(
        original.contract_reference, body.submission(actor.display), idempotency_key, correlation,
        corrects=return_id))


@router.post("/returns/{return_id}/evidence", status_code=201,
             dependencies=[Depends(only_the_file)])
async def attach_evidence(
    app: App, return_id: UUID, file: Annotated[UploadFile, File()],
    correlation: CorrelationId, actor: Actor,
) -> dict[str, Any]:
    """Attach an evidence file (PDF, image, office document, text; up to 10 MB)."""
    content = await file.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise InvalidInput("evidence files are limited to 10 MB", field="file")
    media_type = (file.content_type or "application/octet-stream").split(";")[0]
    return app.attach_evidence(return_id, content, media_type, file.filename or "evidence",
                               actor.display, correlation)


@router.get("/returns/{return_id}/evidence/{sha256}")
def evidence_file(app: App, return_id: UUID, sha256: str) -> Response:
    item, content = app.evidence_file(return_id, sha256)
    return Response(content, media_type=item["media_type"], headers={
        "Content-Disposition": attachment_disposition(item["filename"]),
        "X-Content-SHA256": item["sha256"],
        "X-Content-Type-Options": "nosniff",  # the type kept is the one its content showed
    })


def attachment_disposition(filename: str) -> str:
    """An ASCII fallback name and the real one, UTF-8 encoded (RFC 6266), for any file name."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in filename) or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
