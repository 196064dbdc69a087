"""Every console page in plain words (issue 18): after `assure demo`, each page as each kind of
person who uses it names providers, dates and roles as a person says them. No UUID, no ISO
date, no provider id, form id, role slug or event class name, and no reference into a source
document, in the text a person reads (tags, attributes and addresses aside)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from assure import demo
from assure.signin import DevSignIn
from tests.browser.test_every_page import console_pages  # every page, from the routers
from tests.support import eventually, running, serving

pytestmark = pytest.mark.e2e

NOVEMBER = date(2026, 11, 2)  # as test_demo_and_history: the same walk-through every day
PEOPLE = (("Ada Auditor", "auditor", None),
          ("Jo Officer", "commissioning_officer", None),
          ("Morag Campbell", "head_of_strategic_planning", None),
          ("Registered manager", "provider_user", demo.POOR))
TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
ROLE_SLUGS = ("commissioning_officer", "head_of_strategic_planning", "provider_user",
              "operational_staff", "senior_manager", "head-of-strategic-planning",
              "contract-manager")
RAW = {
    "a UUID": re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
    "an ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}(?!\d)"),  # a moment's date too
    "a provider id": re.compile(r"\bdemo-[a-z]+\b"),
    "a form id": re.compile(r"\bcmr-level-\d\b|\b[a-z]+-level-\d\b"),
    "an event class name": re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*\.[A-Z][a-z]+[A-Za-z]*\b"),
    "a document reference": re.compile(r"§|\b\d{3} row \d+\b"),
    "a role slug": re.compile("|".join(re.escape(slug) for slug in ROLE_SLUGS)),
    "a request path": re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE) /|/(?:intake|risk|escalation"
                                 r"|notify|history|console)/"),
}


class VisibleText(HTMLParser):
    """The words a person reads: text outside scripts and styles, the title included."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.words.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.words))


def raw_words(text: str) -> list[str]:
    """What in the text is for machines, each with what it is."""
    return [f"{kind} {match.group(0)!r} in …{text[max(0, match.start() - 40):match.end() + 40]}…"
            for kind, pattern in RAW.items() for match in pattern.finditer(text)]


async def signed_in(url: str, user: str, role: str, provider_id: str | None) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(base_url=url, timeout=30)
    token = TOKEN.search((await browser.get("/console/sign-in")).text).group(1)
    answer = await browser.post("/console/sign-in", headers={"Origin": url}, data={
        "user": user, "role": role, "csrf_token": token, "provider_id": provider_id or ""})
    assert answer.status_code == 303, answer.text
    return browser


async def demo_values(api: httpx.AsyncClient, ids: dict[str, Any]) -> dict[str, str]:
    """A value for each page's parameters from the demo's poor provider, Oakwood, with a
    monitoring report issued to it."""
    poor = demo.POOR
    interventions = (await api.get(f"/escalation/providers/{poor}/interventions")).json()
    activity = NOVEMBER + timedelta(days=1)
    report = (await api.post(f"/escalation/providers/{poor}/monitoring-reports", json={
        "kind": "meeting notes", "activity_on": activity.isoformat(),
        "findings": "Supervision is behind.", "actions": [{
            "action": "Bring supervision up to 80%",
            "date_required": (activity + timedelta(days=42)).isoformat()}]})).json()
    await api.post(f"/escalation/monitoring-reports/{report['report_id']}/issue", json={})
    owed = (await api.get(f"/intake/providers/{poor}/returns-owed")).json()
    return {"provider_id": poor, "reference": ids["contracts"][poor],
            "return_id": ids["returns"][poor], "report_id": report["report_id"],
            "intervention_id": interventions[0]["intervention_id"],
            "form": owed[0]["form"] if owed else "cmr-level-1",
            "period": owed[0]["period"] if owed else "x"}


def as_at(day: date) -> str:
    """Oakwood's state as at the end of a day, as the as-at form asks for it."""
    return (f"/console/audit/providers/{demo.POOR}/as-at?as-at-day={day.day}"
            f"&as-at-month={day.month}&as-at-year={day.year}")


@pytest.fixture
async def demo_site(settings) -> AsyncIterator[tuple[str, list[str], httpx.AsyncClient]]:
    """The system after `assure demo`, served; every console page with its values (and the
    state as at today, which the as-at page shows once asked); and the API."""
    signed = settings.model_copy(update={"auth_required": True})
    async with running(signed) as system, serving(system) as url, \
            httpx.AsyncClient(base_url=url, auth=DevSignIn(), timeout=30) as api:
        system.apps["intake"].tick(NOVEMBER, "test")
        ids = await asyncio.to_thread(demo.run, url, lambda _: None)
        values = await demo_values(api, ids)
        today = date.fromisoformat((await api.get("/intake/clock")).json()["today"])
        yield url, [re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
                    for path in console_pages()] + [as_at(today)], api


async def test_every_page_reads_in_plain_words_for_everyone_who_uses_it(demo_site):
    url, pages, _ = demo_site
    found: list[str] = []
    shown: set[str] = set()
    for user, role, provider_id in PEOPLE:
        browser = await signed_in(url, user, role, provider_id)
        for path in pages:
            answer = await browser.get(path)
            text = visible_text(answer.text)
            if answer.status_code == 200:
                shown.add(path)
            found += [f"{role} at {path}: {problem}" for problem in raw_words(text)]
        await browser.aclose()
    assert len(shown) >= 18, sorted(set(pages) - shown)
    assert found == [], "\n".join(found)


DETAILS = re.compile(r"<details([^>]*)>\s*<summary[^>]*>(.*?)</summary>(.*?)</details>", re.S)
DELIVERY_STEP = re.compile(r"\b(?:told|queued a message to|sent the message to) ")


async def test_the_auditor_reads_the_history_in_sentences_with_delivery_steps_folded_away(
        demo_site):
    url, _, api = demo_site
    auditor = await signed_in(url, "Ada Auditor", "auditor", None)

    async def read_while_still():
        """The page and the history it was made from: notify may still be delivering what
        the demo's last steps set going, so both are read until the history holds still."""
        before = (await api.get(f"/history/{demo.POOR}")).json()
        shown = (await auditor.get(f"/console/audit/providers/{demo.POOR}")).text
        after = (await api.get(f"/history/{demo.POOR}")).json()
        return (after, shown) if len(after) == len(before) else None

    recorded, page = await eventually(read_while_still, what="the history to hold still")
    await auditor.aclose()
    steps = [e for e in recorded if e["aggregate"] in ("Notification", "Delivery")]
    assert steps, "the demo told people things"

    folded = DETAILS.findall(page)
    assert folded and all("open" not in attributes for attributes, _, _ in folded)
    counts = [int(re.search(r"Delivery steps \((\d+)\)", visible_text(summary)).group(1))
              for _, summary, _ in folded]
    assert [len(re.findall(r"<li>", inside)) for _, _, inside in folded] == counts
    assert sum(counts) == len(steps)  # every step is in a fold, and only steps are
    outside = visible_text(DETAILS.sub("", page))
    assert not DELIVERY_STEP.search(outside), outside
    inside = visible_text(" ".join(inside for _, _, inside in folded))
    assert "told Oakwood Care at Home’s users in Assure: “Return requested for contract " \
        "OAKWOOD-2025" in inside
    assert "queued a message to the Head of Strategic Planning by e-mail: “Approval needed: " \
        "breach notice for Oakwood Care at Home”" in inside

    # Who did what, and why, in words: the people's names, never their ids or event names.
    assert "Jo Officer (contract coordinator) registered Oakwood Care at Home as a provider." \
        in outside
    assert "Morag Campbell approved the breach notice." in outside
    assert "Assure’s proportionality policy proposed a breach notice, for approval. Why: " \
        "serious concern with people's safety at risk" in outside
    assert "submitted the Contract monitoring return (LEVEL 1) for 1 August 2026 to " \
        "30 November 2026 on contract OAKWOOD-2025." in outside
    assert not re.search(r"\b[A-Z][a-z]+[A-Z][a-z]+\b", outside)  # ConcernRaised, RiskProfile


async def test_the_state_as_at_a_date_reads_as_a_summary_not_a_dump(demo_site):
    url, pages, _ = demo_site
    auditor = await signed_in(url, "Ada Auditor", "auditor", None)
    answer = await auditor.get(pages[-1])
    # The reading is recorded, and the history's list of reads says what was read in words.
    reads = visible_text((await auditor.get(f"/console/audit/providers/{demo.POOR}")).text)
    await auditor.aclose()
    assert "Reads of this history" in reads and raw_words(reads) == [], raw_words(reads)
    assert re.search(r"state as at \d{1,2} [A-Z][a-z]+ \d{4}", reads), reads
    assert answer.status_code == 200
    text = visible_text(answer.text)
    assert "{" not in text and "}" not in text and "[" not in text
    assert "Oakwood Care at Home, not suspended" in text
    assert "OAKWOOD-2025: care at home, £180,000.00 a year, monitored at LEVEL 1, assessed " \
        "risk high" in text
    assert "Serious safety concern: The return for the period to 30 November 2026 rated 2 " \
        "sections red: safety and quality and staffing. People’s safety is at risk." in text
    assert "Open at the enforce level, rated non-compliant; next step: breach notice" in text
    assert "Breach notice: approved" in text
    assert re.search(r"Records kept \d+ × delivery, \d+ × notification", text), text
