"""Sign-in, the role x route matrix, provider isolation and four eyes, with sign-in on as
`assure up` runs it (issue 8)."""

from __future__ import annotations

import re

import pytest

from assure.security import development_issuer
from shared.security.identity import Identity, Role
from shared.security.permissions import MATRIX, PUBLIC
from tests.support import as_, contract_award, eventually, return_form

pytestmark = pytest.mark.e2e
SECTIONS_UNSAFE = {"safety_and_quality": "red", "finance": "red"}


def concrete(path: str, provider: str) -> str:
    """A real-looking path: the caller's provider, made-up ids elsewhere."""
    path = path.replace("{provider_id}", provider).replace("{recipient}", f"provider-{provider}")
    path = path.replace("{change}", "actions").replace("{user_id}", "Matrix walker")
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)


async def test_without_a_token_every_route_but_the_public_ones_is_refused(secured):
    http, _ = secured
    assert (await http.get("/health")).status_code == 200
    assert "keys" in (await http.get("/.well-known/jwks.json")).json()

    refused = await http.get("/risk/log")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    forged = await http.get("/risk/log", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401


async def test_every_route_is_in_the_matrix_and_the_matrix_holds_for_every_role(secured):
    http, issuer = secured
    spec = (await http.get("/openapi.json")).json()
    routes = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops
              if path not in PUBLIC and not path.startswith(("/auth/", "/.well-known/"))}
    assert routes == set(MATRIX), "every route needs its row in the matrix, and no more"

    wrong = []
    for method, path in sorted(routes):
        for role in Role:
            provider = "own-provider" if role is Role.PROVIDER_USER else None
            headers = as_(issuer, "Matrix walker", role, provider)
            answer = await http.request(method, concrete(path, "own-provider"),
                                        headers=headers, json={} if method == "POST" else None)
            rule = MATRIX[(method, path)]
            # A provider's users reach their own data; the walk names their own provider
            # where a path names one (other ids are unknown, so not provably theirs).
            own = rule.own and role is Role.PROVIDER_USER and (
                "{provider_id}" in path or "{recipient}" in path)
            allowed = role in rule.roles or own
            if allowed == (answer.status_code in (401, 403)):
                wrong.append(f"{role.value} {method} {path}: {answer.status_code}")
    assert wrong == []


async def test_a_providers_users_see_and_submit_only_their_own(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    for provider_id in ("oakwood", "elmbank"):
        await http.post("/intake/providers", headers=officer, json={
            "provider_id": provider_id, "name": provider_id.title()})
        award = await http.post(f"/intake/providers/{provider_id}/contracts", headers=officer,
                                json=contract_award(f"{provider_id}-c1"))
        assert award.status_code == 201, award.text
    oakwood = as_(issuer, "Registered manager", Role.PROVIDER_USER, "oakwood")

    own = await http.post("/intake/contracts/oakwood-c1/returns", headers=oakwood,
                          json=return_form())
    other = await http.post("/intake/contracts/elmbank-c1/returns", headers=oakwood,
                            json=return_form())
    peek = await http.get("/intake/providers/elmbank", headers=oakwood)
    log = await http.get("/risk/providers/oakwood/log", headers=oakwood)

    assert own.status_code == 201, own.text
    assert (other.status_code, peek.status_code) == (403, 403)
    assert "their own organisation" in other.json()["detail"]
    assert log.status_code == 403  # the issues and risk log is the council's
    mine = await http.get(f"/intake/returns/{own.json()['return_id']}", headers=oakwood)
    theirs = await http.get(f"/intake/returns/{own.json()['return_id']}",
                            headers=as_(issuer, "Someone", Role.PROVIDER_USER, "elmbank"))
    assert (mine.status_code, theirs.status_code) == (200, 403)


async def test_four_eyes_only_senior_roles_approve_never_their_own_proposal(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    await http.post("/intake/providers", headers=officer, json={
        "provider_id": "birch", "name": "Birch"})
    await http.post("/intake/providers/birch/contracts", headers=officer,
                    json=contract_award("birch-c1"))
    await http.post("/intake/contracts/birch-c1/returns", headers=officer,
                    json=return_form(SECTIONS_UNSAFE))

    async def proposed():
        found = await http.get("/escalation/providers/birch/escalations", headers=officer)
        return found.json() if found.status_code == 200 and found.json() else None

    [escalation] = await eventually(proposed, what="the policy's proposal")
    url = f"/escalation/escalations/{escalation['escalation_id']}/approve"
    coordinator = await http.post(url, headers=as_(issuer, "Jo", Role.CONTRACT_COORDINATOR),
                                  json={})
    posing = await http.post(url, headers=as_(issuer, "Morag", Role.HEAD_OF_STRATEGIC_PLANNING),
                             json={"approver": "Ewan", "role": "general_manager"})
    approved = await http.post(url, headers=as_(issuer, "Morag", Role.HEAD_OF_STRATEGIC_PLANNING),
                               json={})

    assert coordinator.status_code == 403
    # Who approves, in which role, is the token's: a body naming them is refused, naming both.
    assert posing.status_code == 422
    assert {tuple(p["loc"]) for p in posing.json()["detail"]} == {
        ("body", "approver"), ("body", "role")}
    assert approved.status_code == 200, approved.text
    assert approved.json()["decided_by"] == "Morag"


async def test_someone_cannot_act_in_another_persons_name(secured):
    http, issuer = secured
    ann = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    answer = await http.post("/intake/providers", headers=ann, json={
        "provider_id": "rowan", "name": "Rowan", "registered_by": "Morag Campbell"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "registered_by"]
    assert (await http.get("/intake/providers/rowan", headers=ann)).status_code == 404


async def test_an_oversized_body_is_refused_before_it_is_read(secured):
    http, issuer = secured
    answer = await http.post("/risk/providers/oak/log", headers={
        **as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER),
        "content-type": "application/json"}, content=b'{"summary": "' + b"x" * 2_000_000 + b'"}')
    assert answer.status_code == 413


async def test_development_sign_in_is_rate_limited(secured):
    http, _ = secured
    body = {"user": "Ann Duncan", "role": "commissioning_officer"}
    answers = [(await http.post("/auth/dev-token", json=body)).status_code for _ in range(31)]
    assert answers[0] == 200 and answers[-1] == 429
    provider_without = await http.post("/auth/dev-token", json={
        "user": "x", "role": "provider_user"})
    assert provider_without.status_code in (422, 429)


def test_assure_token_prints_a_token_the_system_accepts(tmp_path):
    from typer.testing import CliRunner

    from assure.cli import app as cli
    from shared.settings import AssureSettings

    made = CliRunner().invoke(cli, ["token", "--user", "Ann Duncan", "--role",
                                    "commissioning_officer", "--data-dir", str(tmp_path)])
    assert made.exit_code == 0, made.output
    verifier = development_issuer(AssureSettings(data_dir=tmp_path)).verifier()
    assert verifier.identity(made.output.strip()) == Identity("Ann Duncan",
                                                              Role.COMMISSIONING_OFFICER)
    refused = CliRunner().invoke(cli, ["token", "--user", "x", "--role", "provider_user",
                                       "--data-dir", str(tmp_path)])
    assert refused.exit_code == 2


async def test_a_history_read_is_recorded_under_the_signed_in_name_not_a_claimed_one(secured):
    http, issuer = secured
    officer = as_(issuer, "Ann Duncan", Role.COMMISSIONING_OFFICER)
    auditor = as_(issuer, "Ada Auditor", Role.AUDITOR)
    await http.post("/intake/providers", headers=officer, json={
        "provider_id": "oakwood", "name": "Oakwood"})
    claimed = {**auditor, "X-Assure-User": "Somebody Else"}
    for path in ("/history/oakwood", "/intake/providers/oakwood/history"):
        assert (await http.get(path, headers=claimed)).status_code == 200
    reads = (await http.get("/history/oakwood/reads", headers=auditor)).json()
    assert {read["reader"] for read in reads} == {"Ada Auditor"}
    assert len(reads) == 2
