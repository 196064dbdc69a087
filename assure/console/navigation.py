"""The console's sections, as each role sees them in the service navigation."""

from __future__ import annotations

from typing import Any

from shared.security.identity import SENIOR, Role
from shared.security.permissions import rule_for

PROVIDER_PORTAL = ("/console/provider/", "Your returns")
PROVIDER_REPORTS = ("/console/provider/reports", "Monitoring reports")
DASHBOARD = ("/console/workspace/", "Providers")
RETURN_LOG = ("/console/workspace/returns", "Return log")
APPROVALS = ("/console/workspace/approvals", "Approvals")
INBOX = ("/console/inbox", "Notifications")
HISTORY = ("/console/audit/", "Histories")
GOVERNANCE = ("/console/reports/governance", "Governance report")
OTHER_COUNCILS = ("/console/workspace/sharing", "Other councils")

# The API route each section's page cannot do without: a section is in a role's menu only if
# the access matrix lets the role call it (issue 18: "Return log" stayed in operational staff's
# menu though the matrix refuses them the return log).
NEEDS: dict[tuple[str, str], tuple[str, str]] = {
    PROVIDER_PORTAL: ("GET", "/intake/providers/{provider_id}/returns-owed"),
    PROVIDER_REPORTS: ("GET", "/escalation/providers/{provider_id}/monitoring-reports"),
    DASHBOARD: ("GET", "/intake/providers"),
    RETURN_LOG: ("GET", "/intake/return-log"),
    APPROVALS: ("POST", "/escalation/escalations/{escalation_id}/approve"),
    INBOX: ("GET", "/notify/inbox/{recipient}"),
    HISTORY: ("GET", "/history/{provider_id}"),
    GOVERNANCE: ("GET", "/reports/governance"),
    OTHER_COUNCILS: ("GET", "/intake/sharing/shared"),
}


def may_open(role: Role, section: tuple[str, str]) -> bool:
    """Whether the access matrix lets the role call what the section's page needs."""
    found = rule_for(*NEEDS[section])
    return found is not None and found.allows(role)

CASEWORK = {Role.COMMISSIONING_OFFICER, Role.COMMISSIONING_MANAGER, *SENIOR}


ROLE_NAMES = {
    Role.PROVIDER_USER: "Provider user",
    Role.CONTRACT_COORDINATOR: "Contract coordinator",
    Role.COMMISSIONING_OFFICER: "Commissioning officer",
    Role.COMMISSIONING_MANAGER: "Commissioning manager",
    Role.HEAD_OF_STRATEGIC_PLANNING: "Head of Strategic Planning",
    Role.GENERAL_MANAGER: "General Manager / Business Partner",
    Role.CSWO: "Chief Social Work Officer (CSWO)",
    Role.OPERATIONAL_STAFF: "Operational staff (locality teams)",
    Role.AUDITOR: "Auditor",
    Role.ADMINISTRATOR: "Administrator",
}


def sections(role: Role) -> list[tuple[str, str]]:
    """The role's sections, each one the access matrix lets it open."""
    return [section for section in _intended(role) if may_open(role, section)]


def _intended(role: Role) -> list[tuple[str, str]]:
    if role is Role.PROVIDER_USER:
        return [PROVIDER_PORTAL, PROVIDER_REPORTS, INBOX]
    if role is Role.AUDITOR:
        return [HISTORY, GOVERNANCE, OTHER_COUNCILS]
    found = [DASHBOARD, RETURN_LOG]
    if role in SENIOR:
        found.append(APPROVALS)
    if role in CASEWORK | {Role.ADMINISTRATOR}:
        found += [HISTORY, GOVERNANCE, OTHER_COUNCILS]
    return [*found, INBOX]


def start_page(role: Role) -> str:
    return sections(role)[0][0]


def navigation(visitor: Any, path: str) -> list[dict[str, Any]]:
    """The items for govukServiceNavigation, the current one marked."""
    if visitor is None:
        return []
    found = sections(visitor.identity.role)
    # The section whose address is the longest start of this page's: the return log is not
    # also "Providers", though both begin /console/workspace.
    current = max((href for href, _ in found if path.startswith(href.rstrip("/"))), key=len,
                  default=None)
    return [{"href": href, "text": text, "active": href == current} for href, text in found]
