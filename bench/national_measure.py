"""What bench.national measures on the loaded system: returns over HTTP and what follows them,
read from the event stores; one provider's history; the governance report; and, with the system
stopped, every read model rebuilt and every aggregate replayed from the stores."""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from bench.national_ceilings import quantiles, rate
from bench.national_data import answers_for
from bench.spine import bounded
from services.intake.application import Award
from services.intake.domain.calendar import DEFAULT_CALENDAR
from shared.contracts.envelope import event_id_for
from shared.eventstore import ServiceApplication

OPERATIONS = "operations"
# Out of every ten measured returns: six green, one amber, one red on finance, two unsafe
# (red on safety and quality: a serious concern that operations must hear of at once),
# interleaved so that even a handful of returns has an unsafe one.
MIX = ("green", "unsafe", "green", "amber", "green", "green", "unsafe", "green", "red", "green")
RETRIES = 2  # per return, only after a transport error, with the same Idempotency-Key

try:  # sign-in (issue 8): each request signed in as someone the route allows
    from assure.signin import DevSignIn as _SignIn
except ImportError:  # a system without sign-in
    _SignIn = None


def sign_in() -> httpx.Auth | None:
    """For the council's reads (history, report): development sign-in, per route."""
    return _SignIn() if _SignIn is not None else None


def provider_tokens(settings: Any, enabled: bool) -> Callable[[str], dict[str, str]]:
    """Headers that sign a request in as the provider's own registered manager, with a token
    from the development issuer (as `assure token` gives), or none if sign-in is off. Each
    provider submits as itself, as on a real deadline day, so no one person meets the
    per-person submission limit and no sign-in limit applies."""
    try:
        from assure.security import development_issuer
        from shared.security.identity import Identity, Role
    except ImportError:
        enabled = False
    if not enabled:
        return lambda provider_id: {}
    issuer = development_issuer(settings)
    audience = getattr(settings, "auth_audience", "assure")
    cache: dict[str, dict[str, str]] = {}

    def headers(provider_id: str) -> dict[str, str]:
        if provider_id not in cache:
            identity = Identity(f"Registered manager, {provider_id}", Role.PROVIDER_USER,
                                provider_id)
            cache[provider_id] = {
                "Authorization": f"Bearer {issuer.issue(identity, audience=audience)}"}
        return cache[provider_id]

    return headers


def open_period(today: date) -> tuple[date, date]:
    """The LEVEL 1 return period running today (not yet asked for, so each return is new)."""
    for year in (today.year - 1, today.year):
        for each in DEFAULT_CALENDAR.level_1:
            start = date(year, *each.period_start)
            end = date(year + (each.period_end < each.period_start), *each.period_end)
            if start <= today <= end:
                return start, end
    raise ValueError(f"no LEVEL 1 period runs on {today}")


# Returns over HTTP ----------------------------------------------------------------------------


@dataclass
class Sent:
    index: int
    award: Award
    kind: str
    started: float = 0.0  # time.time() when the POST began
    http_ms: float = 0.0
    return_id: str | None = None
    error: str | None = None
    retries: int = 0


def plan(label: str, count: int, targets: list[Award], seed: int) -> list[Sent]:
    """Returns spread over the contracts, one provider after another, from a seeded start."""
    first = random.Random(f"{seed}:{label}").randrange(len(targets))
    return [Sent(i, targets[(first + i) % len(targets)], MIX[i % len(MIX)])
            for i in range(count)]


async def submit_all(http: httpx.AsyncClient, run: str, label: str, sends: list[Sent],
                     concurrency: int, per_second: float | None, period: tuple[date, date],
                     signed: Callable[[str], dict[str, str]]) -> float:
    """POSTs every return, `concurrency` in flight (open loop at `per_second` if given);
    returns the seconds from the first POST to the last answer."""
    began = time.perf_counter()

    async def one(sent: Sent) -> None:
        if per_second:
            await asyncio.sleep(max(0.0, began + sent.index / per_second - time.perf_counter()))
        await _post(http, f"nat-{run}-{label}-{sent.index}", sent, period,
                    signed(sent.award.provider_id))

    await bounded(sends, concurrency, one)
    return time.perf_counter() - began


async def _post(http: httpx.AsyncClient, key: str, sent: Sent, period: tuple[date, date],
                headers: dict[str, str]) -> None:
    body = {"form": "cmr-level-1", "answers": answers_for("cmr-level-1", *period, sent.kind),
            "submitted_by": "Registered manager"}
    sent.started = time.time()
    began = time.perf_counter()
    for attempt in range(1 + RETRIES):
        try:
            answer = await http.post(f"/intake/contracts/{sent.award.reference}/returns",
                                     json=body, headers={"Idempotency-Key": key, **headers})
        except httpx.TransportError as error:  # safe to retry: the same key
            sent.error, sent.retries = f"{type(error).__name__}: {error}", attempt + 1
            continue
        if answer.status_code in (200, 201):
            sent.return_id, sent.error = str(answer.json()["return_id"]), None
        else:
            sent.error = f"{answer.status_code}: {answer.text[:300]}"
        break
    sent.http_ms = (time.perf_counter() - began) * 1000


# What followed, read from the stores ------------------------------------------------------------


@dataclass
class Concern:
    at: float
    evidence: list[str]
    safety: bool


@dataclass
class Observer:
    """Reads the tails of intake's, risk's and notify's notification logs from given positions
    and keeps the recorded (domain event) times that the latencies are measured between."""

    apps: dict[str, ServiceApplication]
    positions: dict[str, int] = field(default_factory=dict)
    recorded: dict[str, float] = field(default_factory=dict)  # return id -> intake's record
    scored: dict[str, float] = field(default_factory=dict)  # return id -> ReturnScored
    concerns: dict[str, Concern] = field(default_factory=dict)  # ConcernRaised event id ->
    told: dict[str, list[tuple[str, float]]] = field(
        default_factory=lambda: defaultdict(list))  # about event id -> [(recipient, time)]

    def start_here(self) -> Observer:
        self.positions = {name: app.recorder.max_notification_id() or 0
                          for name, app in self.apps.items() if name != "escalation"}
        return self

    def poll(self) -> None:
        for name, position in self.positions.items():
            app = self.apps[name]
            while page := app.recorder.select_notifications(
                    start=position, limit=1000, inclusive_of_start=False):
                for notification in page:
                    self._note(app.mapper.to_domain_event(notification))
                position = page[-1].id
            self.positions[name] = position

    def _note(self, event: Any) -> None:
        kind, at = type(event).__qualname__, event.timestamp.timestamp()
        if kind == "MonitoringReturn.Submitted":
            self.recorded[str(event.originator_id)] = at
        elif kind == "RiskProfile.ReturnScored":
            self.scored.setdefault(str(event.return_id), at)
        elif kind == "RiskProfile.ConcernRaised":
            event_id = event_id_for(event.originator_id, event.originator_version)
            self.concerns[event_id] = Concern(at, [str(e) for e in event.evidence],
                                              bool(event.safety_at_risk))
        elif kind == "Notification.Delivered" and event.about_event_type == "ConcernRaised":
            self.told[str(event.about_event_id)].append((str(event.recipient), at))

    def outstanding(self, sends: list[Sent]) -> int:
        """Returns not yet scored, and concerns about them nobody (or, if unsafe, operations)
        has been told of."""
        ours = {s.return_id for s in sends if s.return_id}
        missing = len(ours - self.scored.keys())
        for event_id, concern in self.concerns.items():
            if ours.intersection(concern.evidence):
                recipients = {r for r, _ in self.told.get(event_id, [])}
                missing += not recipients or (concern.safety and OPERATIONS not in recipients)
        return missing

    async def wait(self, sends: list[Sent], timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            await asyncio.to_thread(self.poll)
            left = self.outstanding(sends)
            if not left or time.monotonic() > deadline:
                return left
            await asyncio.sleep(0.5)


def latencies(sends: list[Sent], seen: Observer, seconds: float) -> dict[str, Any]:
    """The figures of one measured batch of returns."""
    ok = [s for s in sends if s.return_id]
    first = min((s.started for s in ok), default=0.0)
    scored = [seen.scored[s.return_id] for s in ok if s.return_id in seen.scored]
    safety = [(event_id, c) for event_id, c in seen.concerns.items() if c.safety]
    first_told = [min(t for _, t in seen.told[e]) - c.at for e, c in safety if seen.told.get(e)]
    ops_told = [min(ts) - c.at for e, c in safety
                if (ts := [t for r, t in seen.told.get(e, []) if r == OPERATIONS])]
    return {
        "returns": len(sends), "accepted": len(ok),
        "failed": len(sends) - len(ok), "retried": sum(1 for s in sends if s.retries),
        "first_error": next((s.error for s in sends if s.error and not s.return_id), None),
        "http_seconds": seconds, "http_per_second": rate(len(ok), seconds),
        "scored": len(scored),
        "scored_per_second": rate(len(scored), max(scored, default=first) - first),
        "safety_concerns": len(safety),
        "ms": {
            "http_post": quantiles([s.http_ms for s in ok]),
            "submit_to_scored": quantiles(
                [(seen.scored[s.return_id] - s.started) * 1000 for s in ok
                 if s.return_id in seen.scored]),
            "recorded_to_scored": quantiles(
                [(seen.scored[r] - seen.recorded[r]) * 1000 for r in
                 (s.return_id for s in ok) if r in seen.scored and r in seen.recorded]),
            "concern_to_first_notification": quantiles([t * 1000 for t in first_told]),
            "concern_to_operations": quantiles([t * 1000 for t in ops_told]),
            "submit_to_operations": quantiles(_submit_to_operations(ok, seen)),
        },
    }


def _submit_to_operations(ok: list[Sent], seen: Observer) -> list[float]:
    found = []
    for s in ok:
        told = [t for e, c in seen.concerns.items() if c.safety and s.return_id in c.evidence
                for r, t in seen.told.get(e, []) if r == OPERATIONS]
        if told:
            found.append((min(told) - s.started) * 1000)
    return found


# Reads over HTTP --------------------------------------------------------------------------------


async def time_get(http: httpx.AsyncClient, path: str, repeat: int,
                   params: dict[str, str] | None = None) -> dict[str, Any]:
    """GETs a route `repeat` times, one after another; the median and each time, in ms."""
    times, size, entries = [], 0, None
    for _ in range(repeat):
        began = time.perf_counter()
        answer = await http.get(path, params=params, timeout=600)
        times.append((time.perf_counter() - began) * 1000)
        answer.raise_for_status()
        size = len(answer.content)
        with contextlib.suppress(ValueError):
            body = answer.json()
            entries = len(body) if isinstance(body, list) else entries
    return {"median_ms": statistics.median(times), "ms": times, "bytes": size,
            "entries": entries}


# With the system stopped: straight from the stores ----------------------------------------------


def rebuild_indexes(apps: dict[str, ServiceApplication]) -> dict[str, Any]:
    """Each service's ReadIndex (aggregate ids by provider, recipient …) caught up from an empty
    start over the whole notification log, as a freshly started instance does."""
    found = {}
    for name, app in apps.items():
        events = app.recorder.max_notification_id() or 0
        began = time.perf_counter()
        app.aggregates_under("bench:nothing")  # catches the index up first
        seconds = time.perf_counter() - began
        found[name] = {"events": events, "seconds": seconds, "per_second": rate(events, seconds)}
    return _totalled(found)


def replay_everything(apps: dict[str, ServiceApplication]) -> dict[str, Any]:
    """Every aggregate of every service rebuilt from its stored events."""
    found = {}
    for name, app in apps.items():
        ids, events, position = [], 0, 0
        while page := app.recorder.select_notifications(start=position, limit=1000,
                                                        inclusive_of_start=False):
            ids.extend(n.originator_id for n in page if n.originator_version == 1)
            events += len(page)
            position = page[-1].id
        began = time.perf_counter()
        for aggregate_id in ids:
            app.repository.get(aggregate_id)
        seconds = time.perf_counter() - began
        found[name] = {"aggregates": len(ids), "events": events, "seconds": seconds,
                       "per_second": rate(events, seconds)}
    return _totalled(found)


def _totalled(found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    events = sum(f["events"] for f in found.values())
    seconds = sum(f["seconds"] for f in found.values())
    return {"services": found, "events": events, "seconds": seconds,
            "per_second": rate(events, seconds)}


def replay_provider(apps: dict[str, ServiceApplication], provider_id: str,
                    repeat: int = 3) -> dict[str, Any]:
    """One provider's history from every service (`ServiceApplication.history`, what
    GET /history merges), and its aggregates rebuilt (`repository.get`), indexes warm."""
    for app in apps.values():
        app.aggregates_under("bench:nothing")
    history, rebuild, entries, aggregates = [], [], 0, 0
    for _ in range(repeat):
        began = time.perf_counter()
        entries = sum(len(app.history(provider_id)) for app in apps.values())
        history.append(time.perf_counter() - began)
        began = time.perf_counter()
        ids = [(app, i) for app in apps.values()
               for i in app.aggregates_under(f"provider:{provider_id}")]
        for app, aggregate_id in ids:
            app.repository.get(aggregate_id)
        rebuild.append(time.perf_counter() - began)
        aggregates = len(ids)
    seconds, rebuilt = statistics.median(history), statistics.median(rebuild)
    return {"events": entries, "aggregates": aggregates,
            "history_ms": seconds * 1000, "history_per_second": rate(entries, seconds),
            "rebuild_ms": rebuilt * 1000, "rebuild_per_second": rate(entries, rebuilt)}


def governance_direct(apps: dict[str, ServiceApplication]) -> dict[str, Any]:
    """assure.report's public functions on the governance view: the view built from the
    events the stores publish (timed apart), then the report for the last complete financial
    year and half-year."""
    try:
        import tempfile
        from pathlib import Path

        from assure.report.collect import collect, today
        from assure.report.governance import governance_report
        from assure.report.period import Length, period_for
        from assure.reporting import open_projection
        from bench.report_feed import feed, streams_of
        from shared.settings import AssureSettings
    except ImportError as missing:
        return {"available": False, "why": f"assure.report cannot be imported: {missing}"}
    found: dict[str, Any] = {"available": True}
    with tempfile.TemporaryDirectory() as where:
        began = time.perf_counter()
        projection = open_projection(AssureSettings(data_dir=Path(where)))
        feed(projection, streams_of(apps, 4))
        found["view_build_ms"] = (time.perf_counter() - began) * 1000
        for length in (Length.YEAR, Length.HALF_YEAR):
            began = time.perf_counter()
            period = period_for(None, None, today(apps), length)
            facts = collect(projection.view, period, today(apps))
            collected = time.perf_counter() - began
            report = governance_report(period, facts)
            found[str(length.value)] = {
                "period": f"{period.start} to {period.end}", "collect_ms": collected * 1000,
                "report_ms": (time.perf_counter() - began - collected) * 1000,
                "service_types": len(getattr(report, "sections", ()) or ()),
            }
        projection.view.datastore.close()
    return found


def timed_call(what: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    return what(), time.perf_counter() - began
