"""`assure demo --dataset 2022`: loads 002's light-touch round through the public HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import httpx

from assure.calls import ok, wait
from assure.datasets.round_2022 import (
    ANALYSIS_PENDING,
    CARE_AT_HOME,
    CARE_HOMES,
    CLOCK_ENDS,
    ENDED_ON,
    EXCLUDED,
    EXCLUSION,
    NOT_RECEIVED,
    PERIOD_END,
    PERIOD_START,
    RECEIPT_DAYS,
    ROUND_ISSUED,
    SAQ_DUE,
    Partner,
    answers,
)
from assure.progress import above, bar
from assure.signin import DevSignIn
from shared.uk import long_date

OFFICER = "Contract coordinator (2022 data set)"
TEAM = "contracts team"
ROSTER = (("care-home", CARE_HOMES), ("care-at-home", CARE_AT_HOME))
ROSTER_VALUES = {"care-home": (400_000, 37_000), "care-at-home": (150_000, 53_000)}


class DatasetRefused(RuntimeError):
    """The system cannot take the data set as it stands (its clock is past the round)."""


def provider_id(partner: Partner) -> str:
    return f"r22-{partner.slug}"


def reference(partner: Partner) -> str:
    return f"{partner.framework}-{partner.slug.upper()}"


def run(base_url: str, say: Callable[[str], None] = print, timeout: float = 120.0
        ) -> dict[str, Any]:
    """Loads the round: contracts, the exclusion, the SAQs asked for and as they came in, the
    one not received overdue and reminded, the analysis not yet done held."""
    with (httpx.Client(base_url=base_url, timeout=30.0, auth=DevSignIn(OFFICER)) as http,
          bar(_steps(), "loading the 2022 round") as (progress, task)):
        step = partial(progress.advance, task)  # moves the bar on by one
        say = above(progress, say)
        _start_clock(http)
        for service_type, partners in ROSTER:
            for index, partner in enumerate(partners):
                _award(http, service_type, partner, index)
                step()
        say(f"{len(CARE_HOMES)} care homes and {len(CARE_AT_HOME)} care at home contracts "
            f"recorded on {long_date(ROUND_ISSUED)}")
        _exclude(http, say)
        _request(http, say, step)
        returns = _receive(http, say, step)
        _advance(http, CLOCK_ENDS)
        for pid in returns:
            wait(lambda pid=pid: _scored(http, pid), timeout)
            step()
        say(f"{len(returns)} self-assessments received and scored by risk")
        _hold_analysis(http, returns, say)
        _chase(http, say, timeout)
        say(f"The clock stands at {long_date(CLOCK_ENDS)}, so `assure report` shows the "
            "half-year of the round (1 April to 30 September 2021)")
        return {"returns": returns, "period": ["2021-04-01", "2021-09-30"]}


def _steps() -> int:
    """What the bar counts: each contract awarded, each SAQ asked for, received and scored."""
    asked = [p for _, partners in ROSTER for p in partners if p.status != EXCLUDED]
    received = [p for p in asked if p.status != NOT_RECEIVED]
    return len(CARE_HOMES) + len(CARE_AT_HOME) + len(asked) + 2 * len(received)


def _start_clock(http: httpx.Client) -> None:
    if ok(http.get("/intake/clock"))["mode"] != "training":
        raise DatasetRefused(
            "this system's clock follows the real date, and the 2022 data set needs a clock "
            f"that can be set to {long_date(ROUND_ISSUED)}; start Assure for training on a "
            "fresh data directory: ASSURE_DATA_DIR=$(mktemp -d) assure up --training "
            f"--start {ROUND_ISSUED.isoformat()}")
    answer = http.post("/intake/clock/tick", json={"to": ROUND_ISSUED.isoformat()})
    if answer.status_code < 400:
        return
    first = provider_id(CARE_HOMES[0])
    if http.get(f"/intake/providers/{first}").status_code == 200:
        return  # loaded before: every step below is idempotent
    raise DatasetRefused(
        f"the 2022 data set starts on {long_date(ROUND_ISSUED)}, but this system's clock is "
        f"past it ({ok(http.get('/intake/clock'))['today']}); start Assure on a fresh "
        "ASSURE_DATA_DIR to load it")


def _award(http: httpx.Client, service_type: str, partner: Partner, index: int) -> None:
    pid = provider_id(partner)
    ok(http.post("/intake/providers", json={
        "provider_id": pid, "name": partner.name}))
    base, step = ROSTER_VALUES[service_type]
    ok(http.post(f"/intake/providers/{pid}/contracts", json={
        "reference": reference(partner), "service_type": service_type,
        "annual_value": str(base + (index * step) % 800_000), "regulator": "care-inspectorate",
        "start_date": "2019-04-01", "contract_manager": "Contracts Manager",
        "kpi_returns": False,
    }))


def _exclude(http: httpx.Client, say: Callable[[str], None]) -> None:
    """Ends the contract of the home whose ownership passed to the council."""
    for partner in (p for p in CARE_HOMES if p.status == EXCLUDED):
        contract = ok(http.get(f"/intake/contracts/{reference(partner)}"))
        if contract["ended_on"] is None:
            ok(http.post(f"/intake/contracts/{reference(partner)}/end", json={
                "ended_on": ENDED_ON.isoformat(), "reason": EXCLUSION}))
        say(f"{partner.name}: contract ends {long_date(ENDED_ON)}; excluded from the round")


def _request(http: httpx.Client, say: Callable[[str], None], step: Callable[[], None]) -> None:
    """Asks every contract in the round for its SAQ, outside the calendar (002 §3.2)."""
    asked = 0
    for _, partners in ROSTER:
        for partner in (p for p in partners if p.status != EXCLUDED):
            ok(http.post(f"/intake/contracts/{reference(partner)}/requests", json={
                "form": "self-assessment", "period_start": PERIOD_START.isoformat(),
                "period_end": PERIOD_END.isoformat(), "due_on": SAQ_DUE.isoformat()}))
            asked += 1
            step()
    say(f"{asked} self-assessments asked for on {long_date(ROUND_ISSUED)}, due "
        f"{long_date(SAQ_DUE)}")


def _receive(http: httpx.Client, say: Callable[[str], None],
             step: Callable[[], None]) -> dict[str, str]:
    """Submits each SAQ on its day of receipt, the clock moved to that day first."""
    by_day: dict[date, list[tuple[Partner, int]]] = {}
    for _, partners in ROSTER:
        sending = [(p, i) for i, p in enumerate(partners)
                   if p.status not in (EXCLUDED, NOT_RECEIVED)]
        for order, (partner, index) in enumerate(sending):
            day = RECEIPT_DAYS[order * len(RECEIPT_DAYS) // len(sending)]
            by_day.setdefault(day, []).append((partner, index))
    returns = {}
    for day in sorted(by_day):
        _advance(http, day)
        for partner, index in by_day[day]:
            returns[provider_id(partner)] = _submit(http, partner, index)
            step()
        say(f"{long_date(day)}: {len(by_day[day])} self-assessment(s) received")
    return returns


def _submit(http: httpx.Client, partner: Partner, index: int) -> str:
    ref = reference(partner)
    submitted = ok(http.post(
        f"/intake/contracts/{ref}/returns", headers={"Idempotency-Key": f"r22-{ref}-saq"},
        json={"form": "self-assessment", "answers": answers(partner, index),
              "submitted_by": f"Registered manager, {partner.name}"}))
    return str(submitted["return_id"])


def _hold_analysis(http: httpx.Client, returns: dict[str, str],
                   say: Callable[[str], None]) -> None:
    """Holds the analysis of the SAQ the contracts team has not yet analysed (002 §3.6)."""
    period = f"{long_date(PERIOD_START)} to {long_date(PERIOD_END)}"
    for partner in (p for p in CARE_AT_HOME if p.status == ANALYSIS_PENDING):
        pid = provider_id(partner)
        return_id = returns[pid]
        scores = ok(http.get(f"/risk/providers/{pid}/scores"))
        if not next(s["held"] for s in scores if s["return_id"] == return_id):
            ok(http.post(f"/risk/providers/{pid}/returns/{return_id}/hold", json={
                "reason": f"Self-assessment for {period} received; the contracts team has not "
                          "yet done its risk analysis (002 §3.6)"}))
        say(f"{partner.name}: self-assessment received, its analysis held")


def _chase(http: httpx.Client, say: Callable[[str], None], timeout: float) -> None:
    """The SAQ not received is overdue and reminded; the offer of support is logged."""
    period = f"{long_date(PERIOD_START)} to {long_date(PERIOD_END)}"
    for partner in (p for p in CARE_AT_HOME if p.status == NOT_RECEIVED):
        reminded = wait(lambda partner=partner: _reminders(http, partner), timeout)
        _log(http, partner, "return-outstanding",
             f"Self-assessment for {period} not received by {long_date(SAQ_DUE)} and reminded: "
             "the provider was contacted and offered support to complete it (002 §3.5)")
        say(f"{partner.name}: self-assessment overdue; reminded on "
            f"{long_date(date.fromisoformat(reminded[0]))}, offer of support logged")


def _reminders(http: httpx.Client, partner: Partner) -> list[str]:
    rows = ok(http.get("/intake/return-log", params={
        "provider_id": provider_id(partner), "form": "self-assessment"}))
    return [day for row in rows for day in row["reminders"]]


def _log(http: httpx.Client, partner: Partner, category: str, summary: str) -> None:
    pid = provider_id(partner)
    wait(lambda: http.get(f"/risk/providers/{pid}/risk").status_code == 200, 30.0)
    body = {"category": category, "summary": summary, "source": TEAM}
    # The risk service may be saving the same profile from a consumed event at this moment;
    # the log entry is keyed, so trying again is safe.
    wait(lambda: http.post(f"/risk/providers/{pid}/log", json=body,
                            headers={"Idempotency-Key": f"r22-{category}"}).status_code < 400,
          10.0)


def _advance(http: httpx.Client, day: date) -> None:
    """Moves the clock forward to `day` (never back: a reload finds it further on)."""
    if date.fromisoformat(ok(http.get("/intake/clock"))["today"]) < day:
        ok(http.post("/intake/clock/tick", json={"to": day.isoformat()}))


def _scored(http: httpx.Client, pid: str) -> bool:
    answer = http.get(f"/risk/providers/{pid}/risk")
    return answer.status_code == 200 and answer.json()["returns_scored"] >= 1
