"""The console's sections, as each role sees them in the service navigation."""

from __future__ import annotations

from typing import Any

from shared.security.identity import SENIOR, Role

PROVIDER_PORTAL = ("/console/provider/", "Your returns")
PROVIDER_REPORTS = ("/console/provider/reports", "Monitoring reports")
DASHBOARD = ("/console/workspace/", "Providers")
RETURN_LOG = ("/console/workspace/returns", "Return log")
APPROVALS = ("/console/workspace/approvals", "Approvals")
INBOX = ("/console/inbox", "Notifications")
HISTORY = ("/console/audit/", "Histories")
GOVERNANCE = ("/console/reports/governance", "Governance report")
OTHER_COUNCILS = ("/console/workspace/sharing", "Other councils")

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
