"""Routes for intelligence: inspection grades, imports, CQC sync and concerns people report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Path, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from services.intake.adapters.cqc import CqcApiError
from services.intake.application import Intake
from services.intake.application.regulator_imports import ImportSummary
from services.intake.domain.grades import Grades, care_inspectorate_grades, cqc_grades
from services.intake.domain.inspection import CareInspectorateGrades, CqcRating
from services.intake.domain.intelligence import ReportedConcern
from services.intake.entrypoints.registry import Name, Reference
from shared.contracts.intake import ConcernSource
from shared.domain import InvalidInput, Missing, Refused
from shared.http import CorrelationId, IsoDate, IsoDateTime, ProviderId, application_of
from shared.security.actor import Actor, only_the_file

router = APIRouter(tags=["intake: intelligence"])
App = Annotated[Intake, Depends(application_of("intake"))]
# The documented limit of an import file, the one enforced: the largest real monthly datastore
# (December 2025) is 11.8 MB. The body may be a little larger for the form around the file.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_BODY = MAX_IMPORT_BYTES + 64 * 1024
TOO_LARGE = "import files are limited to 20 MB"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CareInspectorateEntry(Strict):
    key_question_grades: dict[
        Annotated[str, Field(max_length=64)], Annotated[int, Field(ge=1, le=6)]
    ]
    graded_on: IsoDate


class CqcEntry(Strict):
    overall: Annotated[str, Field(max_length=40)]
    key_questions: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=40)]]
    published_on: IsoDate


class CqcSync(Strict):
    since: IsoDateTime
    until: IsoDateTime | None = None


class ConcernReport(Strict):
    source: ConcernSource
    description: Annotated[str, Field(min_length=1, max_length=5000)]
    # Strict: 0 or "no" is not an answer to whether someone is at risk; say true or false.
    safety_at_risk: Annotated[bool, Field(strict=True)]
    reported_by: Name
    contract_reference: str | None = None


def _checked(file: UploadFile) -> UploadFile:
    # The web server has spooled the upload to disk: its size is known without reading it.
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise HTTPException(413, detail=f"{TOO_LARGE}; this file is {file.size:,} bytes")
    return file


async def _upload_text(file: UploadFile) -> str:
    content = await _checked(file).read(MAX_IMPORT_BYTES + 1)
    return content.decode("utf-8-sig", errors="replace")


@router.post("/contracts/{reference}/inspections/care-inspectorate")
def record_care_inspectorate(
    app: App,
    reference: Reference,
    body: CareInspectorateEntry,
    correlation: CorrelationId,
    actor: Actor,
) -> dict[str, Any]:
    """Record Care Inspectorate grades (1-6 per key question) for the contract's service."""
    contract = app.contract(reference)
    if not contract.regulator_service_id:
        raise InvalidInput(
            "the contract has no Care Inspectorate service number", "regulator_service_id"
        )
    grades = care_inspectorate_grades(CareInspectorateGrades.from_key_questions(
        contract.regulator_service_id, body.key_question_grades, body.graded_on))
    outcome = app.record_grades(contract, grades, actor.display, correlation)
    return _recorded(outcome, grades)


def _recorded(outcome: str, grades: Grades) -> dict[str, Any]:
    # "recorded" is True only for newest grades; older ones are kept as history ("older").
    return {"recorded": outcome == "recorded", "outcome": outcome,
            "poor_performance": grades.poor_performance}


@router.post("/contracts/{reference}/inspections/cqc")
def record_cqc(
    app: App, reference: Reference, body: CqcEntry, correlation: CorrelationId, actor: Actor
) -> dict[str, Any]:
    """Record CQC ratings (overall and per key question) for the contract's location."""
    contract = app.contract(reference)
    if not contract.regulator_service_id:
        raise InvalidInput("the contract has no CQC location id", "regulator_service_id")
    grades = cqc_grades(CqcRating(
        contract.regulator_service_id, body.overall, body.key_questions, body.published_on))
    outcome = app.record_grades(contract, grades, actor.display, correlation)
    return _recorded(outcome, grades)


@router.post("/imports/care-inspectorate", dependencies=[Depends(only_the_file)],
             max_body_size=MAX_IMPORT_BODY)
async def import_care_inspectorate(
    request: Request,
    file: Annotated[UploadFile, File()],
    correlation: CorrelationId,
    actor: Actor,
) -> ImportSummary:
    """Import the Care Inspectorate's monthly datastore CSV (up to 20 MB), read a row at a time;
    rows are matched to contracts by CSNumber. Answers with counts and the path of a CSV listing
    every unmatched service and unread row."""
    app: Intake = request.app.state.services["intake"]
    upload = _checked(file).file
    return await run_in_threadpool(
        app.import_care_inspectorate, upload, actor.display, correlation)


@router.get("/imports/reports/{sha256}", response_class=Response)
def import_report(
    app: App, sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")]
) -> Response:
    """The list behind an import's counts: every unmatched id and every row not read (CSV)."""
    try:
        content = app.import_report(sha256)
    except FileNotFoundError:
        raise Missing(f"no import report is named {sha256}") from None
    return Response(content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="import-report-{sha256[:12]}.csv"'})


@router.post("/imports/call-monitoring", dependencies=[Depends(only_the_file)],
             max_body_size=MAX_IMPORT_BODY)
async def import_call_monitoring(
    request: Request, file: Annotated[UploadFile, File()], correlation: CorrelationId
) -> ImportSummary:
    """Import call-monitoring visits as monthly missed, late and short-notice figures."""
    app: Intake = request.app.state.services["intake"]
    return app.import_visits(await _upload_text(file), correlation)


@router.post("/regulators/cqc/sync")
def sync_cqc(
    app: App, body: CqcSync, correlation: CorrelationId, actor: Actor
) -> ImportSummary:
    """Fetch CQC's changed locations since a time and record the ratings of ours."""
    until = body.until or datetime.now(UTC)
    try:
        return app.sync_cqc(body.since, until, actor.display, correlation)
    except CqcApiError as error:
        raise Refused(f"CQC answered: {error}", field="since") from error


@router.post("/providers/{provider_id}/concerns", status_code=201)
def report_concern(
    app: App,
    provider_id: ProviderId,
    body: ConcernReport,
    correlation: CorrelationId,
    actor: Actor,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, Any]:
    """Record a concern reported by a person (staff, complaint, whistleblowing, ASP …)."""
    if body.contract_reference:
        contract = app.contract(body.contract_reference)
        if contract.provider_id != provider_id:
            raise InvalidInput("that contract is another provider's", "contract_reference")
    report = ReportedConcern(
        report_key=f"{provider_id}:{idempotency_key or correlation}",
        provider_id=provider_id,
        contract_reference=body.contract_reference,
        source=body.source.value,
        description=body.description,
        safety_at_risk=body.safety_at_risk,
        reported_by=body.reported_by,
        correlation_id=correlation,
        recorded_by=actor.display,
    )
    recorded = app.report_concern(report)
    return {"report_id": str(recorded.id), "safety_at_risk": recorded.safety_at_risk}
