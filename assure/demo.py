"""`assure demo`: drives a running Assure through its public HTTP API, as people would."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from assure.calls import ok, wait
from assure.signin import DevSignIn, as_person
from shared.contracts.forms import example
from shared.security.identity import Role

# Four eyes: a senior who proposed nothing approves what the policy and the officer propose.
APPROVER = ("Morag Campbell", Role.HEAD_OF_STRATEGIC_PLANNING)
PROVIDERS = [
    # provider id, name, contract: service type, annual value, regulator, ratings to change
    ("demo-riverside", "Riverside Care Home", "care-home", "250000", "care-inspectorate", {}),
    ("demo-hillview", "Hillview Day Centre", "day-services", "45000", None, {}),
    ("demo-oakwood", "Oakwood Care at Home", "care-at-home", "180000", "care-inspectorate",
     {"safety_and_quality": "red", "staffing": "red", "finance": "amber"}),
    ("demo-larch", "Larch Advice Line", "information-advice-and-support", "8000", None, None),
]
POOR = "demo-oakwood"
# A care home whose returns slip a little each period until the trend itself is a concern.
FALLING = ("demo-elm", "Elm Court Care Home")
FALLING_RATINGS = ({}, {"finance": "amber"}, {"finance": "amber", "staffing": "amber"})


class DemoRefused(RuntimeError):
    """The running system cannot take the demo (its clock follows the real date)."""


def run(base_url: str, say: Callable[[str], None] = print, timeout: float = 30.0) -> dict[str, Any]:
    """Registers providers and contracts, runs the calendar, takes returns, approves escalation."""
    with httpx.Client(base_url=base_url, timeout=10.0, auth=DevSignIn()) as http:
        clock = ok(http.get("/intake/clock"))
        if clock["mode"] != "training":
            raise DemoRefused("the demo runs the calendar forward, and this system's clock "
                              "follows the real date; start Assure for training on a fresh "
                              "data directory: ASSURE_DATA_DIR=$(mktemp -d) assure up --training")
        today = date.fromisoformat(clock["today"])
        ids: dict[str, Any] = {"returns": {}, "contracts": {}}
        for provider_id, name, service_type, value, regulator, _ in PROVIDERS:
            contract = _register(http, provider_id, name, service_type, value, regulator, today)
            ids["contracts"][provider_id] = contract["reference"]
            say(f"{name}: contract {contract['reference']} ({service_type}, "
                f"{contract['annual_value_display']} a year) is monitored at LEVEL "
                f"{contract['level']}")
        round_day = _next_level_1_deadline(today)
        tick = ok(http.post("/intake/clock/tick", json={"to": (round_day - timedelta(days=3))
                                                          .isoformat()}))
        say(f"The calendar ran to {_uk(tick['today'])}: {tick['requested']} return(s) requested")
        for provider_id, name, *_, ratings in PROVIDERS:
            if ratings is None:
                continue  # the advice line leaves its return late
            submitted = _submit_owed(http, ids["contracts"][provider_id], ratings, name)
            ids["returns"][provider_id] = submitted["return_id"]
            say(f"{name}: {submitted['form']} return for {_uk(submitted['period_start'])} to "
                f"{_uk(submitted['period_end'])} submitted")
        for provider_id, name, *_, ratings in PROVIDERS:
            if ratings is not None:
                risk = wait(lambda p=provider_id: _risk(http, p), timeout)
                say(f"{name}: risk score {risk['latest_score']}% (band {risk['latest_band']}), "
                    f"{len(risk['open_concerns'])} open concern(s)")
        ids["escalation"] = _escalate(http, say, timeout)
        later = max(round_day, today) + timedelta(days=40)
        tick = ok(http.post("/intake/clock/tick", json={"to": later.isoformat()}))
        say(f"The calendar ran to {_uk(tick['today'])}: {tick['requested']} more requested, "
            f"{tick['overdue']} now overdue")
        _show_return_log(http, say)
        ids["falling"] = _falling_scores(http, say, timeout, today)
        ids["ladder"] = _ladder(http, say, timeout)
        say(f"See everything with: assure history {POOR}")
        ids["provider"] = POOR
        return ids


def _register(http: httpx.Client, provider_id: str, name: str, service_type: str, value: str,
              regulator: str | None, today: date, years: int = 1) -> Any:
    ok(http.post("/intake/providers", json={
        "provider_id": provider_id, "name": name}))
    return ok(http.post(f"/intake/providers/{provider_id}/contracts", json={
        "reference": f"{provider_id.removeprefix('demo-').upper()}-2025",
        "service_type": service_type, "annual_value": value, "regulator": regulator,
        "regulator_service_id": f"CS20{zlib.crc32(provider_id.encode()) % 10**8:08d}"
        if regulator else None,
        "kpi_returns": service_type in ("care-home", "care-at-home"),
        "start_date": (today - timedelta(days=365 * years)).isoformat(),
        "contract_manager": "Ann Duncan",
    }))


def _submit_owed(http: httpx.Client, reference: str, ratings: dict[str, str], name: str) -> Any:
    """Submits the contract's next monitoring return (not a KPI return) as its template says."""
    level = ok(http.get(f"/intake/contracts/{reference}"))["level"]
    form = {1: "cmr-level-1", 2: "return-level-2", 3: "return-level-3"}[level]
    template = ok(http.get(f"/intake/contracts/{reference}/template", params={"form": form}))
    answers = template["example"]
    for section, rating in ratings.items():
        if section in answers and isinstance(answers[section], dict):
            answers[section]["rating"] = rating
    return ok(http.post(
        f"/intake/contracts/{reference}/returns",
        headers={"Idempotency-Key": f"{reference}-{template['period_start']}"},
        json={"form": template["form"], "answers": answers,
              "submitted_by": f"Registered manager, {name}"},
    ))


def _falling_scores(http: httpx.Client, say: Callable[[str], None], timeout: float,
                    today: date) -> dict[str, Any]:
    # Registered after the calendar ran, so the rounds above read the same on every run.
    """Three CMRs for the last three LEVEL 1 periods, each a little worse, then the concern."""
    provider_id, name = FALLING
    contract = _register(http, provider_id, name, "care-home", "320000", "care-inspectorate",
                         today, years=2)
    reference = contract["reference"]
    began = date.fromisoformat(contract["start_date"])
    for (start, end), ratings in zip(_level_1_periods_after(began, 3), FALLING_RATINGS,
                                     strict=True):
        # Earlier periods' returns, as the provider filled them in at the time.
        answers = example("cmr-level-1", start, end)
        for section, rating in ratings.items():
            answers[section]["rating"] = rating
        ok(http.post(f"/intake/contracts/{reference}/returns",
                      headers={"Idempotency-Key": f"{reference}-{start.isoformat()}"},
                      json={"form": "cmr-level-1", "answers": answers,
                            "submitted_by": f"Registered manager, {name}"}))
    scores = wait(lambda: _scores(http, provider_id, 3), timeout)
    for record in scores:
        latest = record["scores"][-1]
        say(f"{name}: return for {_uk(record['period_start'])} to {_uk(record['period_end'])} "
            f"scored {latest['score']}% ({'; '.join(latest['explanation'])})")
    concern = wait(lambda: _logged(http, provider_id, "worsening-trend"), timeout)
    say(f"{name}: concern raised ({concern['severity']}): {concern['summary']}")
    return {"provider": provider_id, "concern": concern["entry_id"],
            "returns": [r["return_id"] for r in scores]}


def _ladder(http: httpx.Client, say: Callable[[str], None], timeout: float) -> dict[str, Any]:
    """The ladder: Elm Court's moderate concern asks for an improvement plan (Enable); a
    decommission of Oakwood is refused until its history holds the evidence (Enforce)."""
    elm = wait(lambda: _first(http.get(f"/escalation/providers/{FALLING[0]}/interventions")),
                timeout)
    plans = ok(http.get(f"/escalation/interventions/{elm['intervention_id']}"))[
        "improvement_plans"]
    plan = plans[0] if plans else ok(http.post(
        f"/escalation/interventions/{elm['intervention_id']}/improvement-plans",
        json={}))
    say(f"{FALLING[1]}: intervention at {elm['level'].upper()}; improvement plan requested "
        f"{_uk(plan['requested_on'])}, due {_uk(plan['plan_due'])} (10 working days), "
        f"reviewed by {_uk(plan['review_due'])}, targets and a visit by "
        f"{_uk(plan['targets_due'])}")
    poor = wait(lambda: _first(http.get(f"/escalation/providers/{POOR}/interventions")),
                 timeout)
    answer = http.post(f"/escalation/interventions/{poor['intervention_id']}/decommission",
                       json={"reason": "Persistent unsafe care",
                             "continuity_plan": "People move to Riverside's care at home team"})
    outcome = (answer.json()["detail"].replace("decommission refused", "refused", 1)
               if answer.status_code == 409
               else "sent for approval" if answer.status_code == 201 else ok(answer))
    say(f"Oakwood Care at Home: intervention at {poor['level'].upper()}, next step "
        f"{poor['next_step']}; decommission proposed and {outcome}")
    return {"plan": plan["plan_id"], "intervention": poor["intervention_id"]}


def _level_1_periods_after(began: date, count: int) -> list[tuple[date, date]]:
    """The first `count` whole LEVEL 1 periods (April-July, August-November, December-March)
    of a contract that began on `began`, oldest first (the same on every run of the demo)."""
    periods: list[tuple[date, date]] = []
    for year in range(began.year, began.year + 3):
        periods += [(date(year - 1, 12, 1), date(year, 3, 31)),
                    (date(year, 4, 1), date(year, 7, 31)), (date(year, 8, 1), date(year, 11, 30))]
    return [p for p in periods if p[0] >= began][:count]


def _scores(http: httpx.Client, provider_id: str, count: int) -> Any:
    found = _known(http.get(f"/risk/providers/{provider_id}/scores")) or []
    return found if len(found) >= count else None


def _logged(http: httpx.Client, provider_id: str, rule: str) -> Any:
    return next((entry for entry in _known(http.get(f"/risk/providers/{provider_id}/log")) or []
                 if entry.get("rule") == rule), None)


def _known(response: httpx.Response) -> Any:
    """What a route answers, or None while risk has not yet heard of the provider (404): the
    events are still on their way, and the caller waits."""
    return None if response.status_code == 404 else ok(response)


def _escalate(http: httpx.Client, say: Callable[[str], None], timeout: float) -> str:
    escalation = wait(lambda: _first(http.get(f"/escalation/providers/{POOR}/escalations")),
                       timeout)
    say(f"Escalation proposed for {POOR}: {escalation['step']} ({escalation['reason']}), "
        f"status {escalation['status']}")
    if escalation["status"] == "proposed":
        approved = ok(http.post(
            f"/escalation/escalations/{escalation['escalation_id']}/approve",
            json={}, extensions=as_person(*APPROVER),
        ))
        say(f"Approved by {approved['decided_by']}: EscalationApproved recorded")
    notice = wait(lambda: _approved_notice(http), timeout)
    say(f"Inbox of head-of-strategic-planning: {notice['subject']}")
    ops = ok(http.get("/notify/inbox/operations"))
    say(f"Operations were told at once: {len(ops)} urgent notification(s)")
    _show_messages(http, say)
    return str(escalation["escalation_id"])


def _show_messages(http: httpx.Client, say: Callable[[str], None]) -> None:
    """What each person was told, in-app, and the e-mail and chat messages sent."""
    for who in ("operations", "contract-manager", "head-of-strategic-planning",
                f"provider-{POOR}"):
        told = ok(http.get(f"/notify/inbox/{who}"))
        say(f"Inbox of {who}: {len(told)} message(s)"
            + "".join(f"\n  - {n['subject']}" for n in told[:4]))
    sent = ok(http.get("/notify/deliveries", params={"status": "sent"}))
    say(f"{len(sent)} e-mail and chat deliveries sent (without ASSURE_SMTP_HOST, e-mails are "
        "written to <data dir>/mail)")


def _show_return_log(http: httpx.Client, say: Callable[[str], None]) -> None:
    rows = [r for r in ok(http.get("/intake/return-log"))
            if r["provider_id"].startswith("demo-")]
    say("Return log (" + ", ".join(f"{n} {s}" for s, n in Counter(
        r["status"] for r in rows).most_common()) + "):")
    for row in rows[-8:]:
        say(f"  {row['contract_reference']:<16} {row['form']:<15} due {_uk(row['due_on']):<17} "
            f"{row['status']}")


def _next_level_1_deadline(today: date) -> date:
    """The next 15 April, August or December: the LEVEL 1 deadlines (004 App. 4)."""
    for year in (today.year, today.year + 1):
        for month in (4, 8, 12):
            deadline = date(year, month, 15)
            if deadline > today + timedelta(days=3):
                return deadline
    raise AssertionError("unreachable")


def _uk(value: str) -> str:
    return date.fromisoformat(value).strftime("%-d %B %Y")



def _risk(http: httpx.Client, provider_id: str, returns: int = 1) -> Any:
    """The provider's risk once `returns` of its returns are scored, else None."""
    response = http.get(f"/risk/providers/{provider_id}/risk")
    if response.status_code != 200 or response.json()["returns_scored"] < returns:
        return None
    return response.json()


def _first(response: httpx.Response) -> Any:
    items = ok(response)
    return items[0] if items else None


def _approved_notice(http: httpx.Client) -> Any:
    inbox = ok(http.get("/notify/inbox/head-of-strategic-planning"))
    return next((n for n in inbox if n["about_event_type"] == "EscalationApproved"), None)
