"""The role matrix: its published table is the code's, and its principles hold (§1, §8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.security.identity import SENIOR, Role
from shared.security.permissions import MATRIX, markdown

pytestmark = pytest.mark.unit
DOC = Path(__file__).parents[2] / "docs" / "permissions.md"


def test_the_published_matrix_is_the_one_the_code_enforces():
    assert DOC.read_text(encoding="utf-8") == markdown(), (
        "regenerate: python -m shared.security.permissions > docs/permissions.md")


def test_only_the_senior_roles_approve_or_reject():
    for action in ("approve", "reject"):
        assert MATRIX[("POST", f"/escalation/escalations/{{escalation_id}}/{action}")].roles \
            == SENIOR


def test_coordinators_flag_concerns_but_do_not_investigate_them():
    investigate = MATRIX[("POST", "/risk/providers/{provider_id}/log/{entry_id}/{change}")]
    flag = MATRIX[("POST", "/risk/providers/{provider_id}/log")]
    assert Role.CONTRACT_COORDINATOR not in investigate.roles
    assert Role.CONTRACT_COORDINATOR in flag.roles
    assert not any(Role.CONTRACT_COORDINATOR in rule.roles
                   for (method, path), rule in MATRIX.items()
                   if method == "POST" and path.startswith("/escalation/interventions"))


def test_auditors_change_nothing_and_providers_never_see_the_councils_log():
    # (Marking their own notification read is the one thing they write.)
    assert not any(Role.AUDITOR in rule.roles for (method, path), rule in MATRIX.items()
                   if method == "POST" and not path.endswith("/read"))
    assert not any(rule.allows(Role.PROVIDER_USER) for (_, path), rule in MATRIX.items()
                   if path.startswith(("/risk/log", "/risk/providers/{provider_id}/log",
                                       "/history", "/verify", "/reports")))
