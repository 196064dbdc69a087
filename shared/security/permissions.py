"""Who may call which route: the whole role x route matrix of domain-rules.md §1 and §8.

Every route is listed; a route not listed is refused to everyone (the matrix test walks them
all). A rule names the roles allowed; `own` lets a provider's users in too, for their own
organisation's data only (the guard finds the provider a request is about from its path).

Principles, from §1: providers see and submit only their own returns and plans; contract
coordinators issue forms, log and chase returns and flag concerns but do not investigate
(no follow-up, actions or resolution in the issues and risk log, no interventions); officers
and managers investigate and run interventions; only the Head of Strategic Planning, a General
Manager or the CSWO approve serious steps; operational staff give intelligence and are told;
auditors read histories, reports and the audit trail and change nothing; administrators run
the system (calendar, imports, dead letters, verification) but take no casework decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.security.identity import SENIOR, Role

R = Role
PROVIDER = frozenset({R.PROVIDER_USER})
COORDINATOR = frozenset({R.CONTRACT_COORDINATOR})
CASEWORK = frozenset({R.COMMISSIONING_OFFICER, R.COMMISSIONING_MANAGER}) | SENIOR
COUNCIL = COORDINATOR | CASEWORK | {R.OPERATIONAL_STAFF, R.AUDITOR, R.ADMINISTRATOR}
READERS = CASEWORK | {R.AUDITOR, R.ADMINISTRATOR}
SETUP = CASEWORK | {R.CONTRACT_COORDINATOR, R.ADMINISTRATOR}
RETURNS_OFFICE = COORDINATOR | {R.COMMISSIONING_OFFICER}
SYSTEM = frozenset({R.ADMINISTRATOR})
EVERYONE = COUNCIL | PROVIDER


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    own: bool = False  # a provider's users may, for their own organisation
    personal: bool = False  # the path's {user_id} must be the caller (administrators apart)

    def allows(self, role: Role) -> bool:
        return role in self.roles or (self.own and role is R.PROVIDER_USER)


def rule(roles: frozenset[Role], own: bool = False, personal: bool = False) -> Rule:
    return Rule(frozenset(roles), own, personal)


OPERATIONS = {  # every service's history and dead-letter routes
    **{("GET", f"/{s}/providers/{{provider_id}}/history"): rule(READERS)
       for s in ("intake", "risk", "escalation", "notify")},
    **{("GET", f"/{s}/dead-letters"): rule(SYSTEM) for s in ("intake", "risk", "escalation",
                                                            "notify")},
    **{("POST", f"/{s}/dead-letters/{{letter_id}}/replay"): rule(SYSTEM)
       for s in ("intake", "risk", "escalation", "notify")},
}

INTAKE = {
    ("POST", "/intake/providers"): rule(SETUP),
    ("GET", "/intake/providers"): rule(COUNCIL),
    ("GET", "/intake/providers/{provider_id}"): rule(COUNCIL, own=True),
    ("POST", "/intake/providers/{provider_id}/contracts"): rule(CASEWORK | SYSTEM),
    ("GET", "/intake/contracts/{reference}"): rule(COUNCIL, own=True),
    ("POST", "/intake/contracts/{reference}/value"): rule(CASEWORK),
    ("POST", "/intake/contracts/{reference}/regulation"): rule(CASEWORK),
    ("POST", "/intake/contracts/{reference}/contract-manager"): rule(CASEWORK),
    ("POST", "/intake/contracts/{reference}/end"): rule(CASEWORK),
    ("GET", "/intake/forms"): rule(EVERYONE),
    ("GET", "/intake/forms/{form}"): rule(EVERYONE),
    ("GET", "/intake/contracts/{reference}/template"): rule(COUNCIL, own=True),
    ("POST", "/intake/contracts/{reference}/returns"): rule(RETURNS_OFFICE, own=True),
    ("GET", "/intake/contracts/{reference}/returns"): rule(COUNCIL, own=True),
    # Coordinators issue forms (§1), officers too: a return asked for outside the calendar.
    ("POST", "/intake/contracts/{reference}/requests"): rule(COORDINATOR | CASEWORK),
    ("GET", "/intake/returns/{return_id}"): rule(COUNCIL, own=True),
    ("POST", "/intake/returns/{return_id}/corrections"): rule(RETURNS_OFFICE, own=True),
    ("POST", "/intake/returns/{return_id}/evidence"): rule(RETURNS_OFFICE, own=True),
    ("GET", "/intake/returns/{return_id}/evidence/{sha256}"): rule(COUNCIL, own=True),
    ("GET", "/intake/clock"): rule(EVERYONE),
    # Only an administrator moves a training clock; a real one follows the date (shared/clock.py).
    ("POST", "/intake/clock/tick"): rule(SYSTEM),
    ("GET", "/intake/return-log"): rule(COORDINATOR | READERS),
    ("POST", "/intake/return-log/{request_id}/allocate"): rule(RETURNS_OFFICE),
    ("POST", "/intake/return-log/{request_id}/release"): rule(RETURNS_OFFICE),
    ("POST", "/intake/contracts/{reference}/inspections/care-inspectorate"): rule(SETUP),
    ("POST", "/intake/contracts/{reference}/inspections/cqc"): rule(SETUP),
    ("POST", "/intake/imports/care-inspectorate"): rule(SETUP),
    ("POST", "/intake/imports/call-monitoring"): rule(SETUP),
    ("GET", "/intake/imports/reports/{sha256}"): rule(SETUP),
    ("POST", "/intake/regulators/cqc/sync"): rule(SETUP),
    # Anyone on the council's side may report a concern; a provider may notify its own (§6).
    ("POST", "/intake/providers/{provider_id}/concerns"): rule(COUNCIL - {R.AUDITOR}, own=True),
    # The provider portal: what a provider owes, and the returns it is still writing.
    ("GET", "/intake/providers/{provider_id}/returns-owed"): rule(COUNCIL, own=True),
    ("PUT", "/intake/contracts/{reference}/drafts/{form}/{period}"): rule(RETURNS_OFFICE,
                                                                          own=True),
    ("GET", "/intake/contracts/{reference}/drafts/{form}/{period}"): rule(RETURNS_OFFICE,
                                                                          own=True),
    # Sharing with other councils (issue 20): officers propose and see what arrived; a
    # senior approves, resumes or ends (§8); either council may suspend at once; auditors see
    # what was shared, when, under which agreement. Providers see none of it.
    ("GET", "/intake/sharing"): rule(COUNCIL),
    ("GET", "/intake/sharing/agreements"): rule(COUNCIL),
    ("POST", "/intake/sharing/agreements"): rule(CASEWORK),
    ("GET", "/intake/sharing/agreements/{reference}"): rule(COUNCIL),
    ("POST", "/intake/sharing/agreements/{reference}/approve"): rule(SENIOR),
    ("POST", "/intake/sharing/agreements/{reference}/suspend"): rule(CASEWORK),
    ("POST", "/intake/sharing/agreements/{reference}/resume"): rule(SENIOR),
    ("POST", "/intake/sharing/agreements/{reference}/end"): rule(SENIOR),
    ("GET", "/intake/sharing/shared"): rule(READERS),
    ("POST", "/intake/sharing/shared/{fact_id}/withdraw"): rule(CASEWORK),
    ("GET", "/intake/sharing/arrivals"): rule(READERS | {R.OPERATIONAL_STAFF}),
}

RISK = {
    ("GET", "/risk/providers/{provider_id}/risk"): rule(COUNCIL, own=True),
    ("GET", "/risk/providers/{provider_id}/scores"): rule(COUNCIL, own=True),
    ("POST", "/risk/providers/{provider_id}/rescore"): rule(CASEWORK),
    ("POST", "/risk/providers/{provider_id}/returns/{return_id}/hold"): rule(CASEWORK),
    ("POST", "/risk/providers/{provider_id}/returns/{return_id}/release"): rule(CASEWORK),
    ("GET", "/risk/indicators"): rule(COUNCIL),
    ("GET", "/risk/providers/{provider_id}/log"): rule(COUNCIL),
    # Coordinators and operational staff flag intelligence; they do not investigate it.
    ("POST", "/risk/providers/{provider_id}/log"): rule(
        CASEWORK | COORDINATOR | {R.OPERATIONAL_STAFF}),
    ("POST", "/risk/providers/{provider_id}/log/{entry_id}/{change}"): rule(CASEWORK),
    ("GET", "/risk/log"): rule(COUNCIL),
    ("GET", "/risk/providers"): rule(COUNCIL),
}

_INTERVENTION = "/escalation/interventions/{intervention_id}"
ESCALATION = {
    # Providers read their plans and notices, not the council's casework on them.
    ("GET", "/escalation/providers/{provider_id}/interventions"): rule(COUNCIL),
    ("GET", "/escalation/providers/{provider_id}/plans"): rule(COUNCIL, own=True),
    ("POST", "/escalation/providers/{provider_id}/interventions"): rule(CASEWORK),
    ("GET", "/escalation/interventions"): rule(COUNCIL),
    ("GET", _INTERVENTION): rule(COUNCIL),
    **{("POST", f"{_INTERVENTION}/{step}"): rule(CASEWORK) for step in (
        "override", "engagement", "steps", "escalate", "close", "improvement-plans",
        "improvement-plans/{plan_id}/review", "improvement-plans/{plan_id}/outcome",
        "directed-plans", "breach-notices", "breach-notices/{notice_id}/met",
        "breach-notices/{notice_id}/regulator-notified", "suspension", "decommission",
        "chief-officer")},
    # The provider sends its own improvement plan.
    ("POST", f"{_INTERVENTION}/improvement-plans/{{plan_id}}/received"): rule(CASEWORK, own=True),
    ("GET", "/escalation/providers/{provider_id}/timeline"): rule(READERS),
    ("GET", "/escalation/providers/{provider_id}/briefing"): rule(READERS),
    ("POST", "/escalation/deadlines/check"): rule(SYSTEM | COORDINATOR),
    ("GET", "/escalation/providers/{provider_id}/escalations"): rule(COUNCIL),
    ("GET", "/escalation/escalations/{escalation_id}"): rule(COUNCIL),
    # The approvals queue across providers: casework and those who audit it.
    ("GET", "/escalation/escalations"): rule(CASEWORK | {R.AUDITOR}),
    # Four eyes: only the §8 roles decide, and never on their own proposal (the aggregate).
    ("POST", "/escalation/escalations/{escalation_id}/approve"): rule(SENIOR),
    ("POST", "/escalation/escalations/{escalation_id}/reject"): rule(SENIOR),
    # Monitoring reports (§9): officers write them; the provider reads what was issued to
    # it and replies itself (its right of reply), no one else in its name.
    ("POST", "/escalation/providers/{provider_id}/monitoring-reports"): rule(CASEWORK),
    ("GET", "/escalation/providers/{provider_id}/monitoring-reports"): rule(COUNCIL, own=True),
    ("GET", "/escalation/monitoring-reports/{report_id}"): rule(COUNCIL, own=True),
    ("POST", "/escalation/monitoring-reports/{report_id}/issue"): rule(CASEWORK),
    ("POST", "/escalation/monitoring-reports/{report_id}/reply"): rule(frozenset(), own=True),
    ("POST", "/escalation/monitoring-reports/{report_id}/finalise"): rule(CASEWORK),
}

NOTIFY = {
    # A role's inbox is its holders'; a provider's inbox is its users' (the guard checks whose).
    ("GET", "/notify/inbox/{recipient}"): rule(COUNCIL, own=True),
    # The signed-in person's own inbox: whose it is comes from the token alone.
    ("GET", "/notify/inbox"): rule(EVERYONE),
    ("POST", "/notify/inbox/read"): rule(EVERYONE),
    ("POST", "/notify/notifications/{notification_id}/read"): rule(COUNCIL, own=True),
    # One person's inbox, gathered from their roles': theirs alone.
    ("GET", "/notify/users/{user_id}/inbox"): rule(COUNCIL, personal=True),
    ("GET", "/notify/deliveries"): rule(READERS),
    ("GET", "/notify/failures"): rule(READERS),
    ("POST", "/notify/failures/{delivery_id}/retry"): rule(SYSTEM),
    ("POST", "/notify/schedule/run"): rule(SYSTEM),
    ("GET", "/notify/routing"): rule(READERS),
}

AUDIT = {
    ("GET", "/history/{provider_id}"): rule(READERS),
    ("GET", "/history/{provider_id}/as-at"): rule(READERS),
    ("GET", "/history/{provider_id}/reads"): rule(frozenset({R.AUDITOR, R.ADMINISTRATOR})),
    ("GET", "/verify"): rule(frozenset({R.AUDITOR, R.ADMINISTRATOR})),
    ("GET", "/history/{provider_id}/verify"): rule(frozenset({R.AUDITOR, R.ADMINISTRATOR})),
    ("GET", "/reports/governance"): rule(READERS),
    # The composition root's read models: how far they have read; rebuilding one (the system).
    ("GET", "/views"): rule(READERS),
    ("POST", "/views/{view}/rebuild"): rule(SYSTEM),
}

MATRIX: dict[tuple[str, str], Rule] = {
    **OPERATIONS, **INTAKE, **RISK, **ESCALATION, **NOTIFY, **AUDIT,
}
# Open to anyone: liveness and readiness, the API and event documentation, and the issuer's
# public keys. /metrics needs no sign-in either: it answers this machine, or a scraper with
# its own bearer token (assure/operations.py).
PUBLIC = frozenset({"/health", "/health/live", "/health/ready", "/metrics", "/", "/docs",
                    "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/asyncapi.json",
                    "/.well-known/jwks.json"})


def rule_for(method: str, path: str) -> Rule | None:
    return MATRIX.get((method.upper(), path))


# The matrix as the docs show it (docs/permissions.md; regenerate with
# `python -m shared.security.permissions > docs/permissions.md`).
SHORT = {R.PROVIDER_USER: "Prov", R.CONTRACT_COORDINATOR: "Coord",
         R.COMMISSIONING_OFFICER: "Officer", R.COMMISSIONING_MANAGER: "Mgr",
         R.HEAD_OF_STRATEGIC_PLANNING: "HoSP", R.GENERAL_MANAGER: "GM", R.CSWO: "CSWO",
         R.OPERATIONAL_STAFF: "Ops", R.AUDITOR: "Audit", R.ADMINISTRATOR: "Admin"}


def markdown() -> str:
    """The whole role x route matrix as one table: ✓ allowed, own = their organisation only."""
    head = ["# Who may call which route", "",
            "Generated from `shared/security/permissions.py`; every route not listed is refused "
            "to everyone. ✓ allowed; **own** a provider's users, for their own organisation "
            "only; blank refused (403). Without a valid bearer token every route but the "
            "public ones answers 401.", "",
            "| route | " + " | ".join(SHORT[r] for r in Role) + " |",
            "| --- |" + " :-: |" * len(Role)]
    rows = []
    for (method, path), found in sorted(MATRIX.items(), key=lambda item: (item[0][1],
                                                                          item[0][0])):
        cells = ["✓" if role in found.roles else "own" if (
            found.own and role is R.PROVIDER_USER) else "" for role in Role]
        rows.append(f"| `{method} {path}` | " + " | ".join(cells) + " |")
    public = ", ".join(f"`{p}`" for p in sorted(PUBLIC))
    return "\n".join([*head, *rows, "", f"Public: {public}, and development sign-in "
                      "(`POST /auth/dev-token`, rate limited) when no identity provider is "
                      "configured.", ""])


if __name__ == "__main__":
    print(markdown(), end="")
