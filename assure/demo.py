"""`assure demo`: drives a running Assure through its public HTTP API, as people would."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

GREEN = dict.fromkeys(
    ("leadership_and_management", "sustainability", "finance", "safety_and_quality", "outcomes"),
    "green",
)
PROVIDERS = [
    ("demo-riverside", "Riverside Care Home", GREEN),
    ("demo-hillview", "Hillview Care at Home", {**GREEN, "finance": "amber", "outcomes": "amber"}),
    (
        "demo-oakwood",
        "Oakwood Supported Living",
        {**GREEN, "safety_and_quality": "red", "sustainability": "red", "finance": "amber"},
    ),
]
OFFICER = "Jo Officer (contract coordinator)"
APPROVER = ("Morag Campbell", "head_of_strategic_planning")


def run(base_url: str, say: Callable[[str], None] = print, timeout: float = 30.0) -> dict[str, Any]:
    """Registers providers, submits returns, approves the escalation; returns the ids."""
    with httpx.Client(base_url=base_url, timeout=10.0) as http:
        ids: dict[str, Any] = {"returns": {}}
        for provider_id, name, sections in PROVIDERS:
            _ok(
                http.post(
                    "/intake/providers",
                    json={"provider_id": provider_id, "name": name, "registered_by": OFFICER},
                )
            )
            submitted = _ok(
                http.post(
                    f"/intake/providers/{provider_id}/returns",
                    headers={"Idempotency-Key": f"{provider_id}-2026-cmr-august"},
                    json={
                        "period_start": "2026-04-01",
                        "period_end": "2026-07-31",
                        "sections": sections,
                        "submitted_by": f"Manager of {name}",
                    },
                )
            )
            ids["returns"][provider_id] = submitted["return_id"]
            say(f"{name}: return {submitted['return_id']} submitted")
        for provider_id, name, _ in PROVIDERS:
            risk = _wait(lambda p=provider_id: _risk(http, p), timeout)
            say(
                f"{name}: risk score {risk['latest_score']}% (band {risk['latest_band']}), "
                f"{len(risk['open_concerns'])} open concern(s)"
            )
        poor = PROVIDERS[2][0]
        escalation = _wait(
            lambda: _first(http.get(f"/escalation/providers/{poor}/escalations")), timeout
        )
        ids["escalation"] = escalation["escalation_id"]
        say(
            f"Escalation proposed for {poor}: {escalation['step']} ({escalation['reason']}), "
            f"id {escalation['escalation_id']}, status {escalation['status']}"
        )
        if escalation["status"] == "proposed":
            approved = _ok(
                http.post(
                    f"/escalation/escalations/{escalation['escalation_id']}/approve",
                    json={"approver": APPROVER[0], "role": APPROVER[1]},
                )
            )
            say(f"Approved by {approved['decided_by']}: EscalationApproved recorded")
        inbox = _wait(lambda: _approved_notice(http), timeout)
        say(f"Inbox of head-of-strategic-planning: {inbox['subject']}")
        ops = _ok(http.get("/notify/inbox/operations"))
        say(f"Operations were told at once: {len(ops)} urgent notification(s)")
        say(f"See everything with: assure history {poor}")
        ids["provider"] = poor
        return ids


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} answered "
            f"{response.status_code}: {response.text}"
        )
    return response.json()


def _risk(http: httpx.Client, provider_id: str) -> Any:
    response = http.get(f"/risk/providers/{provider_id}/risk")
    return response.json() if response.status_code == 200 else None


def _first(response: httpx.Response) -> Any:
    items = _ok(response)
    return items[0] if items else None


def _approved_notice(http: httpx.Client) -> Any:
    inbox = _ok(http.get("/notify/inbox/head-of-strategic-planning"))
    return next((n for n in inbox if n["about_event_type"] == "EscalationApproved"), None)


def _wait(probe: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise TimeoutError("the system did not answer in time; is `assure up` running?")
