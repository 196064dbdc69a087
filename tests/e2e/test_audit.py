"""Auditors on the real stack: a provider's history exported, replayed as at a moment, every read
recorded, and every store's hash chains verified (issue 7)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from datetime import date, datetime, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from assure.cli import app as cli
from tests.support import (
    SECTIONS_UNSAFE,
    eventually,
    register_with_contract,
    return_form,
    running,
    serving,
    settled,
)

pytestmark = pytest.mark.e2e
AUDITOR = {"X-Assure-User": "A. Auditor (internal audit)"}


async def scored(http: httpx.AsyncClient, provider_id: str):
    answer = await http.get(f"/risk/providers/{provider_id}/risk")
    return answer.json() if answer.status_code == 200 and answer.json()["returns_scored"] else None


def grown_from(earlier: list[str], later: list[str]) -> bool:
    """Whether `later` is `earlier` with events added. Other services keep recording while the
    auditor reads (notifications settle), and an event saved late may carry an earlier time, so
    new events can land between old ones: what was there must still be there, in order."""
    remaining = iter(later)
    return all(event in remaining for event in earlier)


async def test_an_auditor_exports_a_history_replays_it_as_at_a_moment_and_is_recorded(settings):
    async with (
        running(settings) as system,
        serving(system) as url,
        httpx.AsyncClient(base_url=url, headers=AUDITOR) as http,
    ):
        reference = await register_with_contract(http, "hazel")
        await http.post(f"/intake/contracts/{reference}/returns", json=return_form(SECTIONS_UNSAFE))
        await eventually(lambda: scored(http, "hazel"), what="the return scored")

        async def intervention():
            return (await http.get("/escalation/providers/hazel/interventions")).json()

        await eventually(intervention, what="the intervention opened")

        entries = (await http.get("/history/hazel")).json()
        registered = next(e for e in entries if e["event"] == "Registered")
        # Registered by whoever the request named (sign-in is off here: the header names them).
        assert registered["who"] == AUDITOR["X-Assure-User"] and registered["service"] == "intake"
        assert any(e["why"] for e in entries if e["event"] == "ConcernRaised")

        jsonl = await http.get("/history/hazel", params={"format": "jsonl"})
        assert jsonl.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in jsonl.text.splitlines()]
        assert grown_from([e["event"] for e in entries], [line["event"] for line in lines])

        table = list(csv.DictReader(io.StringIO(
            (await http.get("/history/hazel", params={"format": "csv"})).text)))
        assert table[0]["event"] == entries[0]["event"]
        assert set(table[0]) >= {"time", "service", "who", "why", "data"}

        pdf = await http.get("/history/hazel", params={"format": "pdf"})
        assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers[
            "content-disposition"]

        # Reading changed nothing in the history, and every read was recorded.
        again = (await http.get("/history/hazel")).json()
        assert grown_from([e["event"] for e in entries], [e["event"] for e in again])
        reads = (await http.get("/history/hazel/reads")).json()
        assert [r["what"] for r in reads][:4] == [
            "history (json)", "history (jsonl)", "history (csv)", "history (pdf)"]
        assert {r["reader"] for r in reads} == {AUDITOR["X-Assure-User"]}

        # A page at a time, oldest first, with the count of all; one service's on their own.
        first = await http.get("/history/hazel", params={"limit": 2})
        assert first.json() == again[:2] and first.json()[0]["event"] == "Registered"
        assert int(first.headers["X-Total-Count"]) >= len(again)
        later = await http.get("/history/hazel", params={"limit": 2, "offset": 1})
        assert later.json()[0] == first.json()[1]
        risk = (await http.get("/history/hazel", params={"service": "risk"})).json()
        assert risk and {e["service"] for e in risk} == {"risk"}
        assert grown_from([e["event"] for e in again if e["service"] == "risk"],
                          [e["event"] for e in risk])
        nowhere = await http.get("/history/hazel", params={"service": "nowhere"})
        assert nowhere.status_code == 422 and "service" in nowhere.text

        # As at the moment the contract was awarded: a contract, no score yet.
        awarded = next(e for e in entries if e["event"] == "Awarded")
        before_return = await http.get("/history/hazel/as-at", params={"at": awarded["time"]})
        state = before_return.json()["services"]
        assert [c["reference"] for c in state["intake"]["contracts"]] == [reference]
        assert state["risk"]["latest_score"] is None
        now = (await http.get("/history/hazel/as-at",
                              params={"date": date.today().isoformat()})).json()["services"]
        assert now["risk"]["latest_score"] == "74.00"  # held there by the red safety section
        assert now["risk"]["open_concerns"][0]["safety_at_risk"] is True
        assert now["intake"]["contracts"][0]["monitoring_level"] == 1
        assert [i["level"] for i in now["escalation"]["interventions"]] == ["enforce"]
        assert state["escalation"]["interventions"] == []
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        empty = (await http.get("/history/hazel/as-at", params={"date": yesterday})).json()
        assert empty["services"]["intake"]["provider"] is None
        both = await http.get("/history/hazel/as-at", params={
            "date": yesterday, "at": datetime.now().astimezone().isoformat()})
        assert both.status_code == 422 and "date" in both.text

        verified = (await http.get("/verify")).json()
        assert verified["intact"] is True
        assert verified["services"]["intake"]["events"] > 0
        assert all(s["broken"] is None for s in verified["services"].values())


async def test_the_cli_verifies_the_stores_and_exports_a_history(settings, tmp_path):
    async with running(settings) as system, serving(system) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            await register_with_contract(http, "rowan")

        def run(*args: str):
            return CliRunner().invoke(cli, [*args, "--url", url])

        verified = await asyncio.to_thread(run, "verify")
        assert verified.exit_code == 0, verified.output
        assert "intake: " in verified.output and "intact" in verified.output

        out = tmp_path / "rowan.csv"
        exported = await asyncio.to_thread(run, "history", "rowan", "--format", "csv",
                                           "--out", str(out))
        assert exported.exit_code == 0, exported.output
        assert out.read_text().startswith("time,service,aggregate")
        as_at = await asyncio.to_thread(run, "history", "rowan", "--as-at",
                                        date.today().isoformat())
        assert json.loads(as_at.output)["services"]["intake"]["provider"]["name"] == "Rowan"
        wrong = await asyncio.to_thread(run, "history", "rowan", "--format", "docx",
                                        "--out", str(out))
        assert wrong.exit_code == 2


async def test_a_providers_own_records_are_verified_apart_from_the_councils(settings):
    """`/history/{provider}/verify` checks the chains of that provider's records only: what its
    history page shows, at the cost of its records. A record of another provider altered in
    the store breaks the whole store's check and that provider's, not this one's."""
    if settings.uses_postgres:
        pytest.skip("the store is altered with sqlite3")
    async with running(settings) as system, serving(system) as url, \
            httpx.AsyncClient(base_url=url, headers=AUDITOR) as http:
        for provider_id in ("aspen", "birch"):
            await register_with_contract(http, provider_id)
        await eventually(lambda: settled(system), timeout=60, what="the awards to settle")

        own = (await http.get("/history/aspen/verify")).json()
        history = (await http.get("/history/aspen")).json()
        assert own["intact"] is True
        for service, found in own["services"].items():
            recorded = [e for e in history if e["service"] == service]
            assert found["events"] == len(recorded), service
            assert found["aggregates"] == len({e["aggregate_id"] for e in recorded}), service

        # Someone with access to the database renames Birch in its stored registration.
        with sqlite3.connect(settings.data_dir / "intake.sqlite") as db:
            table = next(name for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'") if name.endswith("events"))
            row, state = next((row, state) for row, state in db.execute(
                f"SELECT rowid, state FROM {table} ORDER BY rowid")  # noqa: S608
                if b"Provider birch" in state or b'"birch"' in state)
            db.execute(f"UPDATE {table} SET state = ? WHERE rowid = ?",  # noqa: S608
                       (state.replace(b"birch", b"b1rch"), row))

        assert (await http.get("/history/aspen/verify")).json() == own
        broken = (await http.get("/history/birch/verify")).json()
        assert broken["intact"] is False
        assert broken["services"]["intake"]["broken"]["reason"].startswith("its content")
        assert broken["services"]["risk"]["intact"] is True
        assert (await http.get("/verify")).json()["intact"] is False
        unknown = await http.get("/history/nobody-here/verify")
        assert unknown.status_code == 404
