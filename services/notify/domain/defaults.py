"""The documented defaults: who hears about what (domain-rules.md §1, §4, §8, §9), and how.

A council's configuration file adds to these (`more_rules`) or replaces them (`rules`); see
`services/notify/adapters/config_file.py`. Every recipient is a role's inbox name, "provider"
(the provider the event is about) or "@field" (the roles an event lists, e.g. IssueEscalated's).
Addresses end in `.invalid` (RFC 2606): nothing reaches a real person until a council sets its own.
"""

from __future__ import annotations

from services.notify.domain.config import Contact, NotifyConfig
from services.notify.domain.facts import (
    INTELLIGENCE_REQUESTED,
    NOTIFICATION_FAILED,
    RETURN_DUE_SOON,
)
from services.notify.domain.rules import (
    ASP_TEAM,
    COMMISSIONING_MANAGER,
    CONTRACT_MANAGER,
    CSWO,
    GENERAL_MANAGER,
    HEAD_OF_STRATEGIC_PLANNING,
    LOCALITY_MANAGER,
    MARKET_MANAGER,
    OPERATIONS,
    PROVIDER,
    SENIOR_OPERATIONAL_MANAGERS,
    SYSTEM_OPERATORS,
    Rule,
)
from services.notify.domain.templates import DEFAULT_TEMPLATES

SENDER = "Contract Monitoring Team <contract-monitoring@council.invalid>"
ASP_CATEGORIES = ("adult support and protection", "asp", "adult-support-and-protection")
MONITORING_FORMS = ("cmr-level-1", "return-level-2", "return-level-3")
TOLD_OF_INTERVENTIONS = (CONTRACT_MANAGER, PROVIDER)
SENIOR = (HEAD_OF_STRATEGIC_PLANNING, GENERAL_MANAGER)
SERIOUS_STEP_TAKEN = (PROVIDER, CONTRACT_MANAGER, OPERATIONS, *SENIOR, MARKET_MANAGER)


def _steps(*events: str, to: tuple[str, ...] = TOLD_OF_INTERVENTIONS,
           may_wait: bool = True, why: str) -> list[Rule]:
    return [Rule(event, to, may_wait=may_wait, why=why) for event in events]


def _concern_rules(event: str, again: str = "") -> list[Rule]:
    return [
        Rule(event, (CONTRACT_MANAGER,),
             why=f"the contract manager investigates every concern{again} (§1)"),
        Rule(event, (CONTRACT_MANAGER, OPERATIONS), when={"safety_at_risk": True},
             urgent=True,
             why=f"concerns about people's safety{again} go to operational staff at once (§8)"),
        Rule(event, (OPERATIONS, ASP_TEAM), when={"category": list(ASP_CATEGORIES)},
             urgent=True, why="adult support and protection concerns are safety concerns (§8)"),
        Rule(event, (COMMISSIONING_MANAGER,), when={"severity": "serious"},
             why="the commissioning manager is the first escalation step (§1)"),
        Rule(event, (COMMISSIONING_MANAGER,),
             when={"severity": "serious", "safety_at_risk": True}, urgent=True,
             why="a serious safety concern reaches the commissioning manager at once (§8)"),
    ]


# A concern that comes up again (one concern per matter) is told to the same people as when it
# was raised: its new evidence may be what makes it urgent.
CONCERN_RULES = [*_concern_rules("ConcernRaised"),
                 *_concern_rules("ConcernRecurred", " and each time it comes up again")]

RETURN_RULES = [
    Rule("ReturnRequested", (PROVIDER,), may_wait=False,
         why="the provider is sent the return form with its due date (§4)"),
    Rule(RETURN_DUE_SOON, (PROVIDER,), may_wait=False,
         why="providers are reminded before the due date, by default 7, 3 and 1 days (§4)"),
    Rule("ReturnOverdue", (PROVIDER, CONTRACT_MANAGER), may_wait=False,
         why="an overdue return is chased from the team's shared mailbox (004 App. 4 §9)"),
    Rule(INTELLIGENCE_REQUESTED, (LOCALITY_MANAGER,), when={"form": list(MONITORING_FORMS)},
         may_wait=False,
         why="before monitoring, locality managers are asked for intelligence (§9)"),
]

ESCALATION_RULES = [
    Rule("EscalationProposed", (HEAD_OF_STRATEGIC_PLANNING,),
         why="a serious step waits for a second, authorised person (§8)"),
    Rule("EscalationApproved", (*SENIOR, CONTRACT_MANAGER),
         why="an approved serious step goes to those who approve them and the officer (§8)"),
    Rule("EscalationRejected", (CONTRACT_MANAGER,), why="the officer hears of a rejection"),
    Rule("EscalationWithdrawn", (HEAD_OF_STRATEGIC_PLANNING,),
         why="whoever was asked to approve hears it was withdrawn"),
    Rule("PolicyOverridden", (COMMISSIONING_MANAGER,),
         why="the officer's line manager sees departures from the policy (§8)"),
    Rule("IssueEscalated", ("@recipients",), urgent_for="immediately",
         why="issues go to the roles of §8, some of them immediately"),
]

INTERVENTION_RULES = [
    *_steps("InterventionOpened", "InterventionStepTaken", "ImprovementPlanReceived",
            "ImprovementPlanReviewed", "ImprovementPlanAchieved", "BreachNoticeMet",
            "InterventionClosed",
            why="intervention steps go to the contract manager and the provider (§7)"),
    *_steps("ImprovementPlanRequested", "DirectedImprovementPlanIssued", "BreachNoticeIssued",
            "DeadlineMissed", may_wait=False,
            why="deadlines go to the contract manager and the provider without waiting (§7)"),
    Rule("ImprovementPlanNotAchieved", (*TOLD_OF_INTERVENTIONS, COMMISSIONING_MANAGER),
         why="an unachieved plan is evidence towards termination (§7, 004 §15)"),
    Rule("BreachNoticeFailed", (*TOLD_OF_INTERVENTIONS, *SENIOR), may_wait=False,
         why="a failed breach notice leads to suspension or decommission (§7)"),
    Rule("RegulatorNotified", (CONTRACT_MANAGER, HEAD_OF_STRATEGIC_PLANNING),
         why="the regulator was told of a failed breach notice (§7)"),
    *_steps("ProviderSuspended", "ProviderDecommissioned", to=SERIOUS_STEP_TAKEN, may_wait=False,
            why="people served need a contingency plan; the market manager is informed (§7)"),
]

# escalation writes briefings on request and publishes no event for them yet; when it does,
# under this name, they reach the managers with no change here (the generic wording says only
# that a briefing was issued; the briefing itself stays in Assure).
BRIEFING_RULES = [
    Rule("BriefingIssued", (COMMISSIONING_MANAGER, *SENIOR),
         why="briefings go to service managers and heads of service throughout (§6, 000)"),
]

# §9: each monitoring activity's written record goes to the provider, which may reply.
REPORT_RULES = [
    Rule("MonitoringReportIssued", (PROVIDER, CONTRACT_MANAGER), may_wait=False,
         why="the written record goes to the provider, whose window to reply starts (§9)"),
    Rule("MonitoringReportReplied", (CONTRACT_MANAGER,),
         why="the contract manager reads the provider's reply before finalising (§9)"),
]

SYSTEM_RULES = [
    Rule(NOTIFICATION_FAILED, (SYSTEM_OPERATORS,), urgent=True, may_wait=False,
         why="a delivery that keeps failing is alerted to operators, never dropped silently"),
]

DEFAULT_RULES: tuple[Rule, ...] = (
    *CONCERN_RULES, *RETURN_RULES, *ESCALATION_RULES, *INTERVENTION_RULES, *BRIEFING_RULES,
    *REPORT_RULES, *SYSTEM_RULES,
)

# How the escalation service names §8's recipients, as inbox names.
DEFAULT_ALIASES = {
    "line-manager": COMMISSIONING_MANAGER,
    "operational-staff": OPERATIONS,
    "chief-social-work-officer": CSWO,
    "senior-operational-managers": SENIOR_OPERATIONAL_MANAGERS,
}

ROLES = (OPERATIONS, ASP_TEAM, CONTRACT_MANAGER, COMMISSIONING_MANAGER, HEAD_OF_STRATEGIC_PLANNING,
         GENERAL_MANAGER, SENIOR_OPERATIONAL_MANAGERS, CSWO, LOCALITY_MANAGER, MARKET_MANAGER)
DEFAULT_CONTACTS = {
    **{role: Contact(email=(f"{role}@council.invalid",)) for role in ROLES},
    PROVIDER: Contact(email=("{provider_id}@provider.invalid",)),
    SYSTEM_OPERATORS: Contact(),  # alerts stay in the in-app inbox unless configured
}

DEFAULT_CONFIG = NotifyConfig(
    sender=SENDER,
    rules=DEFAULT_RULES,
    contacts=DEFAULT_CONTACTS,
    aliases=DEFAULT_ALIASES,
    templates=DEFAULT_TEMPLATES,
)
