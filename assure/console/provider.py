"""The provider portal: the returns a provider owes, the form for each, drafts kept between
sittings, evidence, past submissions with their scores, and open improvement-plan actions.

Every page reads and writes through the HTTP API as the signed-in provider user, so a provider
reaches only its own organisation's contracts and returns (the guard sees to it).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from assure.console.client import Api, ApiError
from assure.console.rendering import render, uk_date
from assure.console.return_form import (
    Schema,
    answers_from,
    fields_of,
    form_title,
    problems_on,
    shown,
    slots_in_answers,
    slots_in_post,
)
from assure.console.session import Visitor, done, visitor

router = APIRouter()
HOME = "/console/provider/"


def _provider(request: Request) -> tuple[Visitor, str]:
    who = visitor(request)
    if not who.identity.provider_id:
        raise ApiError(403, "The provider portal is for a provider's own users. Sign in as a "
                            "provider user to see your organisation's returns.")
    return who, who.identity.provider_id


async def _or_empty(api: Api, path: str) -> Any:
    """What a service knows, or nothing yet: risk and escalation hear of a provider a moment
    after intake registers it."""
    try:
        return await api.get(path)
    except ApiError as error:
        if error.status == 404:
            return []
        raise


# The start page -------------------------------------------------------------------------------


@router.get("/provider/")
async def home(request: Request) -> Response:
    who, provider_id = _provider(request)
    async with Api(request, who.token) as api:
        provider = await api.get(f"/intake/providers/{provider_id}")
        owed = await api.get(f"/intake/providers/{provider_id}/returns-owed")
        scores = await _or_empty(api, f"/risk/providers/{provider_id}/scores")
        plans = await api.get(f"/escalation/providers/{provider_id}/plans")
        submitted = [r for c in provider["contracts"]
                     for r in await api.get(f"/intake/contracts/{c['reference']}/returns")]
    return render(request, "provider/home.html", who, provider=provider, owed=owed,
                  past=past_submissions(submitted, scores),
                  actions=open_actions(plans), form_title=form_title)


def past_submissions(submitted: list[dict[str, Any]],
                     scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each return sent, newest first, with the latest score risk gave it (if any yet)."""
    latest = {s["return_id"]: s for s in scores}
    rows = []
    for r in sorted(submitted, key=lambda r: (r["period_end"], r["submitted_on"]), reverse=True):
        scored = latest.get(r["return_id"])
        score = scored["scores"][-1] if scored and scored["scores"] else None
        rows.append({**r, "score": score, "held": bool(scored and scored.get("held"))})
    return rows


def open_actions(plans: dict[str, Any]) -> list[dict[str, Any]]:
    """The improvement-plan actions and breach-notice requirements still open, soonest first:
    what the provider must do and by when (the route gives no casework)."""
    rows = []
    for plan in plans["improvement_plans"]:
        if plan["status"] not in ("requested", "received"):
            continue
        kind = "Directed improvement plan" if plan["directed"] else "Improvement plan"
        if plan["status"] == "requested" and plan["plan_due"]:
            rows.append({"what": f"Send your {kind.lower()} to the council",
                         "measure": "", "due": plan["plan_due"], "from": kind})
        rows += [{"what": a["action"], "measure": a["measure"], "due": a["due"],
                  "from": kind} for a in plan["actions"]]
        rows.append({"what": "Meet the plan's targets", "measure": "",
                     "due": plan["targets_due"], "from": kind})
    rows += [{"what": n["action_required"], "measure": n["deficiency"],
              "due": n["comply_by"], "from": "Breach notice"}
             for n in plans["breach_notices"] if n["status"] == "issued"]
    return sorted(rows, key=lambda r: str(r["due"]))


# A return's form ------------------------------------------------------------------------------


def _form_url(reference: str, form: str, period: str) -> str:
    return f"{HOME}contracts/{reference}/returns/{form}/{period}"


async def _owed(api: Api, provider_id: str, reference: str, form: str,
                period: str) -> dict[str, Any]:
    for row in await api.get(f"/intake/providers/{provider_id}/returns-owed"):
        if (row["contract_reference"], row["form"], row["period"]) == (reference, form, period):
            return row
    raise ApiError(404, f"Contract {reference} does not owe a {form_title(form)} for that "
                        "period. Go back to your returns to see what is owed.")


async def _draft(api: Api, reference: str, form: str, period: str) -> dict[str, Any] | None:
    try:
        return await api.get(f"/intake/contracts/{reference}/drafts/{form}/{period}")
    except ApiError as error:
        if error.status == 404:
            return None
        raise


def _page(request: Request, who: Visitor, owed: dict[str, Any], schema: Schema,
          answers: dict[str, Any], status: int = 200, **context: Any) -> Response:
    groups = schema.groups(slots_in_answers(answers))
    values = {f.path: shown(f, answers) for f in fields_of(groups)}
    correcting = context.get("correcting")
    action = (_correction_url(correcting["return_id"]) if correcting else
              _form_url(owed["contract_reference"], owed["form"], owed["period"]))
    title = form_title(owed["form"])
    return render(request, "provider/form.html", who, status=status, owed=owed, groups=groups,
                  values=values, title=f"Correct your {title}" if correcting else title,
                  action=action,
                  **{"messages": {}, "submission_key": uuid.uuid4().hex, **context})


@router.get("/provider/contracts/{reference}/returns/{form}/{period}")
async def return_form_page(request: Request, reference: str, form: str,
                           period: str) -> Response:
    who, provider_id = _provider(request)
    async with Api(request, who.token) as api:
        owed = await _owed(api, provider_id, reference, form, period)
        schema = Schema((await api.get(f"/intake/forms/{form}"))["schema"])
        draft = await _draft(api, reference, form, period)
    return _page(request, who, owed, schema, draft["answers"] if draft else {}, draft=draft)


def _posted(form: Any) -> dict[str, Any]:
    return {name: (values if len(values := form.getlist(name)) > 1 else values[0])
            for name in form}


@router.post("/provider/contracts/{reference}/returns/{form}/{period}")
async def send_return(request: Request, reference: str, form: str, period: str) -> Response:
    """Save the answers as a draft, or submit the return; what the API refuses comes back
    beside each answer, as typed, and nothing is kept."""
    who, provider_id = _provider(request)
    posted = _posted(await request.form())
    intent, key = posted.pop("intent", "submit"), str(posted.pop("submission_key", ""))
    async with Api(request, who.token) as api:
        owed = await _owed(api, provider_id, reference, form, period)
        schema = Schema((await api.get(f"/intake/forms/{form}"))["schema"])
        answers = answers_from(schema.groups(slots_in_post(posted)), posted)
        answers.update(period_start=owed["period_start"], period_end=owed["period_end"])
        what = f"{form_title(form)} for {uk_date(owed['period_start'])} to " \
               f"{uk_date(owed['period_end'])}"
        if intent == "draft":
            await api.put(f"/intake/contracts/{reference}/drafts/{form}/{period}",
                          {"answers": answers})
            return done(HOME, f"Draft saved: {what}. You can come back to it at any time.")
        try:
            sent = await api.post(f"/intake/contracts/{reference}/returns",
                                  {"form": form, "answers": answers,
                                   "submitted_by": who.identity.display},
                                  headers={"Idempotency-Key": key or uuid.uuid4().hex})
        except ApiError as error:
            if error.status != 422:
                raise
            return _refused(request, who, owed, schema, answers, error, key)
    return RedirectResponse(f"{HOME}returns/{sent['return_id']}/submitted", 303)


def _refused(request: Request, who: Visitor, owed: dict[str, Any], schema: Schema,
             answers: dict[str, Any], error: ApiError, key: str, **context: Any) -> Response:
    fields = fields_of(schema.groups(slots_in_answers(answers)))
    messages, errors = problems_on(fields, error.problems())
    return _page(request, who, owed, schema, answers, status=422, messages=messages,
                 errors=errors, submission_key=key or uuid.uuid4().hex, **context)


# Correcting a return sent: a new submission linked to the one it corrects (both are kept) ------


def _correction_url(return_id: Any) -> str:
    return f"{HOME}returns/{return_id}/correct"


async def _to_correct(api: Api, provider_id: str,
                      return_id: uuid.UUID) -> tuple[dict[str, Any], dict[str, Any], Schema]:
    """The return as sent (its answers the form starts from), what the form page says of it,
    and its form; a return already corrected is refused: the later one is corrected instead."""
    sent = await api.get(f"/intake/returns/{return_id}")
    if sent["provider_id"] != provider_id:
        raise ApiError(404, "There is no such return among yours.")
    if sent["corrected_by"]:
        raise ApiError(409, "This return was corrected already: correct the later one, "
                            "from your past submissions.")
    about = {key: sent[key] for key in ("contract_reference", "form", "period_start",
                                        "period_end")}
    schema = Schema((await api.get(f"/intake/forms/{sent['form']}"))["schema"])
    return sent, about, schema


@router.get("/provider/returns/{return_id}/correct")
async def correction_form(request: Request, return_id: uuid.UUID) -> Response:
    who, provider_id = _provider(request)
    async with Api(request, who.token) as api:
        sent, about, schema = await _to_correct(api, provider_id, return_id)
    return _page(request, who, about, schema, sent["answers"], correcting=sent)


@router.post("/provider/returns/{return_id}/correct")
async def send_correction(request: Request, return_id: uuid.UUID) -> Response:
    """Sends the corrected answers; what the API refuses comes back beside each answer."""
    who, provider_id = _provider(request)
    posted = _posted(await request.form())
    posted.pop("intent", None)
    key = str(posted.pop("submission_key", ""))
    async with Api(request, who.token) as api:
        sent, about, schema = await _to_correct(api, provider_id, return_id)
        answers = answers_from(schema.groups(slots_in_post(posted)), posted)
        answers.update(period_start=sent["period_start"], period_end=sent["period_end"])
        try:
            corrected = await api.post(f"/intake/returns/{return_id}/corrections",
                                       {"form": sent["form"], "answers": answers,
                                        "submitted_by": who.identity.display},
                                       headers={"Idempotency-Key": key or uuid.uuid4().hex})
        except ApiError as error:
            if error.status != 422:
                raise
            return _refused(request, who, about, schema, answers, error, key, correcting=sent)
    return RedirectResponse(f"{HOME}returns/{corrected['return_id']}/submitted", 303)


# A return sent, and its evidence ----------------------------------------------------------------


async def _sent(request: Request, who: Visitor, return_id: uuid.UUID) -> dict[str, Any]:
    async with Api(request, who.token) as api:
        sent = await api.get(f"/intake/returns/{return_id}")
        scores = await _or_empty(api, f"/risk/providers/{sent['provider_id']}/scores")
    return past_submissions([sent], scores)[0]


@router.get("/provider/returns/{return_id}/submitted")
async def submitted(request: Request, return_id: uuid.UUID) -> Response:
    who, _ = _provider(request)
    sent = await _sent(request, who, return_id)
    return render(request, "provider/submitted.html", who, sent=sent,
                  title=form_title(sent["form"]))


@router.get("/provider/returns/{return_id}")
async def sent_return(request: Request, return_id: uuid.UUID) -> Response:
    who, _ = _provider(request)
    sent = await _sent(request, who, return_id)
    return render(request, "provider/return.html", who, sent=sent,
                  title=form_title(sent["form"]))


@router.post("/provider/returns/{return_id}/evidence")
async def attach_evidence(request: Request, return_id: uuid.UUID) -> Response:
    """Attach a file to a return sent; a refused file is named beside the upload."""
    who, _ = _provider(request)
    upload = (await request.form()).get("file")
    problem = "Select a file to attach"
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            async with Api(request, who.token) as api:
                await api.post(
                    f"/intake/returns/{return_id}/evidence",
                    files={"file": (upload.filename, await upload.read(),
                                    upload.content_type or "application/octet-stream")})
            return done(f"{HOME}returns/{return_id}", f"{upload.filename} is attached to the "
                                                      "return.")
        except ApiError as error:
            if error.status != 422:
                raise
            problem = next(iter(error.problems().values()))
    sent = await _sent(request, who, return_id)
    return render(request, "provider/return.html", who, status=422, sent=sent,
                  title=form_title(sent["form"]), file_error=problem,
                  errors=[{"text": problem, "href": "#file"}])


@router.get("/provider/returns/{return_id}/evidence/{sha256}")
async def evidence_file(request: Request, return_id: uuid.UUID, sha256: str) -> Response:
    who, _ = _provider(request)
    async with Api(request, who.token) as api:
        answer = await api.raw(f"/intake/returns/{return_id}/evidence/{sha256}")
    return Response(answer.content, media_type=answer.headers.get("content-type"), headers={
        "Content-Disposition": answer.headers.get("content-disposition", "attachment")})
