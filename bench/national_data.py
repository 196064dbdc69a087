"""The national data set: providers, contracts of every service type and level, years of returns.

Loaded through the applications directly, not over HTTP or NATS: intake's own methods register
providers, award contracts, run the return calendar (`tick`) and record returns, and every
integration event intake, risk, escalation and notify commit is handed straight to the services
that consume it with `ServiceApplication.handle(envelope, Tracking(...))`, exactly as the tracked
consumers would (the same envelope the relay would publish, the same tracking name per upstream
partition, the producer's notification id as the position). The stores end up as the running
system would have left them after years of use.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from assure.services import ALL
from services.intake.application import Award, Intake, Submission
from services.intake.domain.calendar import DEFAULT_CALENDAR, financial_year_of
from services.intake.domain.return_request import ReturnRequest
from shared.contracts.envelope import Envelope, event_id_for, partition_of, wrap
from shared.contracts.forms import CmrLevel1, KpiReturn, Level2Return, Level3Return, example
from shared.eventstore import ServiceApplication
from shared.messaging.consumer import tracking_name
from shared.messaging.relay import OUTBOX
from shared.messaging.topology import Topology, message_id
from shared.runtime import ensure_stream
from shared.settings import AssureSettings
from shared.vocabulary import ServiceType

SERVICE_TYPES = tuple(kind.value for kind in ServiceType)
# Regulated services are monitored at LEVEL 1 whatever they cost; the rest by annual value.
REGULATED = {"care-home": "care-inspectorate", "care-at-home": "care-inspectorate",
             "supported-housing": "cqc"}
KPI_TYPES = {"care-at-home", "supported-housing"}  # contracts that owe KPI returns (001)
VALUE_BY_LEVEL = {1: Decimal(250_000), 2: Decimal(48_000), 3: Decimal(8_500)}
# Returns a provider misses (overdue, never sent) or sends after the due date, out of 1,000.
MISSED, LATE = 15, 40
BY = "bench.national"


# What a return says -----------------------------------------------------------------------


def _degrade_cmr(answers: dict[str, Any], kind: str) -> None:
    ratings = {"amber": {"finance": "amber", "outcomes": "amber"},
               "red": {"finance": "red"},
               "unsafe": {"safety_and_quality": "red", "finance": "red"}}.get(kind, {})
    for section, rating in ratings.items():
        answers[section]["rating"] = rating


def _degrade_level_2(answers: dict[str, Any], kind: str) -> None:
    if kind == "amber":
        answers["involvement_and_feedback"]["feedback_gathered"] = False
    elif kind in ("red", "unsafe"):
        answers["service_update"]["staffing"] = "shortages_limiting_service"
        answers["finance"]["expenditure"] = "99000.00"


def _degrade_level_3(answers: dict[str, Any], kind: str) -> None:
    if kind == "amber":
        answers["funding"]["spent"] = "9900.00"
    elif kind in ("red", "unsafe"):
        for outcome in answers["outcomes"]:
            outcome["achieved"] = "not_achieved"


def _degrade_kpi(answers: dict[str, Any], kind: str) -> None:
    if kind in ("red", "unsafe") and "kpi2" in answers:
        answers["kpi2"].update(planned=12, completed=6, concerns_found=1)


DEGRADE: dict[str, Callable[[dict[str, Any], str], None]] = {
    CmrLevel1.form: _degrade_cmr, Level2Return.form: _degrade_level_2,
    Level3Return.form: _degrade_level_3, KpiReturn.form: _degrade_kpi,
}
KPI_SECTIONS = {
    "kpi1": {"people_supported": 40, "outcomes_set": 40, "outcomes_achieved": 38},
    "kpi4": {"people_wanting_employment": 5, "obtained_employment": 2,
             "retained_employment": 2},
}


def answers_for(form: str, start: date, end: date, kind: str,
                kpis: tuple[str, ...] = ()) -> dict[str, Any]:
    """A valid return on `form` for the period, green unless `kind` is amber, red or unsafe."""
    answers = example(form, start, end)  # every date moved into the period
    if form == KpiReturn.form and kpis:
        sections = {**KPI_SECTIONS, **{k: v for k, v in answers.items() if k.startswith("kpi")}}
        for name in [k for k in answers if k.startswith("kpi")]:
            del answers[name]
        answers.update({name: sections[name] for name in (k.lower() for k in kpis)})
    DEGRADE.get(form, lambda *_: None)(answers, kind)
    return answers


# Who the providers are ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """The size of the data set."""

    providers: int
    years: int
    seed: int = 1
    today: date = field(default_factory=date.today)

    @property
    def start(self) -> date:
        """1 April of the first year of the history: `years` whole financial years before
        the current one, which runs to `today`."""
        return date(financial_year_of(self.today) - self.years, 4, 1)


def provider_id(run: str, index: int) -> str:
    return f"nat-{run}-{index:05d}"


def awards(run: str, shape: Shape) -> Iterator[Award]:
    """One to three contracts per provider, cycling through every service type and level.

    Regulated types (care homes, care at home, supported housing) are LEVEL 1; the others
    take LEVEL 1, 2 or 3 by annual value. A few contracts start late or end early.
    """
    rng = random.Random(shape.seed)
    serial = 0
    for index in range(shape.providers):
        for c in range(1 + (index % 5 == 0) + (index % 7 == 0)):
            kind = SERVICE_TYPES[serial % len(SERVICE_TYPES)]
            level = 1 if kind in REGULATED else 1 + (serial // len(SERVICE_TYPES)) % 3
            start = shape.start + timedelta(days=rng.choice((0, 0, 0, 0, 45, 200, 400)))
            ends = rng.random() < 0.05 and start + timedelta(days=500) < shape.today
            pid = provider_id(run, index)
            yield Award(
                provider_id=pid, reference=f"{pid}-c{c + 1}", service_type=kind,
                annual_value=VALUE_BY_LEVEL[level], regulator=REGULATED.get(kind),
                regulator_service_id=f"CS{serial:010d}" if kind in REGULATED else None,
                start_date=min(start, shape.today), end_date=(
                    start + timedelta(days=500) if ends else None),
                contract_manager=f"Contract manager {serial % 40:02d}",
                kpi_returns=kind in KPI_TYPES,
            )
            serial += 1


def quality(run: str, index: int) -> str:
    """How a provider's returns tend to look: most are good, a few slip, some are poor."""
    roll = random.Random(f"{run}:{index}").random()
    return "poor" if roll < 0.06 else "mixed" if roll < 0.2 else "good"


KIND_ODDS = {  # (amber, red, unsafe) out of 100, by the provider's quality
    "good": (8, 1, 0), "mixed": (25, 10, 3), "poor": (30, 30, 15),
}


def kind_of(rng: random.Random, quality_of_provider: str) -> str:
    amber, red, unsafe = KIND_ODDS[quality_of_provider]
    roll = rng.randrange(100)
    if roll < unsafe:
        return "unsafe"
    if roll < unsafe + red:
        return "red"
    return "amber" if roll < unsafe + red + amber else "green"


def steps(shape: Shape) -> list[date]:
    """The days the calendar is run to: every issue date of every round, in order."""
    config = DEFAULT_CALENDAR
    rounds = (*config.level_1, *config.level_2, *config.level_3, *config.kpi_quarterly,
              *config.kpi_six_monthly, *config.kpi_annual)
    days = set()
    for year in range(shape.start.year - 1, shape.today.year + 1):
        for each in rounds:
            day = date(year, *each.issue)
            if shape.start <= day <= shape.today:
                days.add(day)
    return [*sorted(days), shape.today]


# The load ----------------------------------------------------------------------------------


@dataclass
class LoadStats:
    seconds: float = 0.0
    providers: int = 0
    contracts: int = 0
    requested: int = 0
    returns: int = 0
    missed: int = 0
    late: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    handled: int = 0  # upstream messages applied by consuming services
    events: dict[str, int] = field(default_factory=dict)  # stored events per service, at the end

    def as_dict(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 1), "providers": self.providers,
                "contracts": self.contracts, "returns_requested": self.requested,
                "returns_submitted": self.returns, "returns_missed": self.missed,
                "returns_late": self.late, "return_kinds": dict(self.kinds),
                "messages_applied": self.handled, "events": self.events,
                "events_total": sum(self.events.values())}


class Router:
    """Hands every integration event a service commits to the services that consume it, in
    notification order, as the relay and the tracked consumers would."""

    def __init__(self, apps: dict[str, ServiceApplication],
                 consumes: dict[str, tuple[str, ...]], partitions: int) -> None:
        self.apps = apps
        self.partitions = partitions
        self.consumers = {
            upstream: [apps[s] for s, ups in consumes.items() if upstream in ups and s in apps]
            for upstream in apps
        }
        self.positions = dict.fromkeys(apps, 0)
        self.handled = 0
        self.requested: list[ReturnRequest.Requested] = []
        self.per_provider: Counter[str] = Counter()  # stored events about each provider

    def drain(self) -> None:
        """Until no service has anything new to hand on."""
        while any([self._step(name) for name in self.apps]):  # noqa: C419 - every service
            pass

    def _step(self, upstream: str) -> int:
        app = self.apps[upstream]
        page = app.recorder.select_notifications(
            start=self.positions[upstream], limit=500, inclusive_of_start=False)
        for notification in page:
            self._hand_on(upstream, app, notification)
            self.positions[upstream] = notification.id
        return len(page)

    def _hand_on(self, upstream: str, app: ServiceApplication, notification: Any) -> None:
        domain_event = app.mapper.to_domain_event(notification)
        about = getattr(domain_event, "provider_id", None)
        if about:
            self.per_provider[about] += 1
        if isinstance(domain_event, ReturnRequest.Requested):
            self.requested.append(domain_event)
        envelope = envelope_of(app, domain_event)
        if envelope is None:
            return
        tracking = Tracking(
            tracking_name(upstream, partition_of(envelope.subject, self.partitions)),
            notification.id)
        for consumer in self.consumers[upstream]:
            consumer.handle(envelope, tracking)
            self.handled += 1


def integration_of(app: ServiceApplication, domain_event: Any) -> tuple[Any, str] | None:
    """The public contract and the envelope (as JSON) the relay publishes for a stored event,
    or None if it stays private (OutboxRelay._publish)."""
    contract = app.to_integration(domain_event)
    if contract is None:
        return None
    envelope = wrap(
        contract,
        event_id=event_id_for(domain_event.originator_id, domain_event.originator_version),
        time=domain_event.timestamp,
        correlation_id=getattr(domain_event, "correlation_id", None),
        causation_id=getattr(domain_event, "causation_id", None),
    )
    return contract, envelope.model_dump_json()


def envelope_of(app: ServiceApplication, domain_event: Any) -> Envelope | None:
    """The envelope as a tracked consumer decodes it from the wire, or None if private."""
    found = integration_of(app, domain_event)
    return None if found is None else Envelope.model_validate_json(found[1])


class Loader:
    """Builds the national data set in the given applications."""

    def __init__(self, run: str, shape: Shape, apps: dict[str, ServiceApplication],
                 consumes: dict[str, tuple[str, ...]], partitions: int,
                 say: Callable[[str], None] = print) -> None:
        self.run, self.shape, self.say = run, shape, say
        self.intake: Intake = apps["intake"]  # type: ignore[assignment]
        self.router = Router(apps, consumes, partitions)
        self.stats = LoadStats()
        self.rng = random.Random(shape.seed)
        self.quality: dict[str, str] = {}
        self.late: list[ReturnRequest.Requested] = []
        self.awarded: list[Award] = []

    def load(self) -> LoadStats:
        began = time.perf_counter()
        days = steps(self.shape)
        self.intake.tick(self.shape.start, self._correlation())
        self._register()
        for number, day in enumerate(days, 1):
            self._run_calendar_to(day)
            if number % max(1, len(days) // 10) == 0 or number == len(days):
                self.say(f"  loaded up to {day} ({number}/{len(days)} calendar steps, "
                         f"{self.stats.returns} returns, {time.perf_counter() - began:.0f} s)")
        derive_deliveries(self.router.apps.get("notify"))
        self.stats.seconds = time.perf_counter() - began
        self.stats.handled = self.router.handled
        self.stats.events = {name: app.recorder.max_notification_id() or 0
                             for name, app in self.router.apps.items()}
        return self.stats

    def largest_history(self) -> tuple[str, int]:
        """The provider with the most stored events, and how many."""
        return self.router.per_provider.most_common(1)[0]

    def open_level_1(self) -> list[Award]:
        """Contracts monitored at LEVEL 1 whatever risk says (regulated or over £100,000) that
        have not ended: where the measured returns go, one provider after another."""
        found = [a for a in self.awarded
                 if a.end_date is None and (a.regulator or a.annual_value > 100_000)]
        first: dict[str, Award] = {}
        for award in found:
            first.setdefault(award.provider_id, award)
        return list(first.values())

    def _correlation(self) -> str:
        return uuid.uuid4().hex

    def _register(self) -> None:
        for index in range(self.shape.providers):
            pid = provider_id(self.run, index)
            self.intake.register_provider(f"National provider {index:05d}", pid, BY,
                                          self._correlation())
            self.quality[pid] = quality(self.run, index)
            self.stats.providers += 1
        for award in awards(self.run, self.shape):
            self.intake.award_contract(award, BY, self._correlation())
            self.awarded.append(award)
            self.stats.contracts += 1
        self.router.drain()

    def _run_calendar_to(self, day: date) -> None:
        self.intake.tick(day, self._correlation())
        self.router.drain()
        late, self.late = self.late, []
        for request in late:  # sent after the due date, once the clock has passed it
            self._submit(request, late=True)
        requested, self.router.requested = self.router.requested, []
        self.stats.requested += len(requested)
        for request in requested:
            self._answer(request)
        self.router.drain()

    def _answer(self, request: ReturnRequest.Requested) -> None:
        roll = self.rng.randrange(1000)
        if roll < MISSED:
            self.stats.missed += 1
        elif roll < MISSED + LATE:
            self.late.append(request)
        else:
            self._submit(request)

    def _submit(self, request: ReturnRequest.Requested, late: bool = False) -> None:
        kind = kind_of(self.rng, self.quality[request.provider_id])
        answers = answers_for(request.form, request.period_start, request.period_end, kind,
                              tuple(request.kpis))
        self.intake.submit_return(
            request.contract_reference,
            Submission(request.form, None, answers, "Registered manager"),
            idempotency_key=f"{request.originator_id}", correlation_id=self._correlation())
        self.stats.returns += 1
        self.stats.late += late
        self.stats.kinds[kind] += 1


def derive_deliveries(notify: Any) -> None:
    """What notify's dispatcher does as the service runs: every in-app notification turned into
    its e-mail and webhook deliveries (none under the default configuration). Over years of use it
    would have done so long ago, so the measured system does not start by catching up."""
    derive = getattr(notify, "derive_deliveries", None)
    if derive is None:
        return
    from services.notify.application.deliveries import DERIVED  # notify's own tracking name

    while True:
        before = notify.position(DERIVED)
        derive(datetime.now(UTC))
        if notify.position(DERIVED) == before:
            return


# Making the stores fast to write while loading -------------------------------------------------


@contextlib.contextmanager
def fast_writes() -> Iterator[None]:
    """PostgreSQL sessions opened meanwhile commit without waiting for the WAL flush
    (`synchronous_commit=off`, through libpq's PGOPTIONS); used only by the bulk load."""
    was = os.environ.get("PGOPTIONS")
    os.environ["PGOPTIONS"] = f"{was or ''} -c synchronous_commit=off".strip()
    try:
        yield
    finally:
        if was is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = was


def unsynced(recorder: Any) -> None:
    """SQLite connections of this recorder (only the loader's) skip fsync on commit
    (`PRAGMA synchronous=OFF`): a bulk load, redone from scratch if the machine fails."""
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    create = getattr(pool, "_create_connection", None)
    if create is None or not hasattr(pool, "_pool"):
        return  # PostgreSQL, or an eventsourcing that changed: load at the normal speed

    def unsynced_connection() -> Any:
        connection = create()
        connection._sqlite_conn.execute("PRAGMA synchronous=OFF")
        return connection

    for connection in list(pool._pool):
        connection._sqlite_conn.execute("PRAGMA synchronous=OFF")
    pool._create_connection = unsynced_connection


def build_apps(settings: AssureSettings, fast: bool = True) -> dict[str, ServiceApplication]:
    """Every service's application on its store, as the system builds them."""
    apps = {}
    with fast_writes() if fast else contextlib.nullcontext():
        for definition in ALL:
            apps[definition.name] = definition.build(settings)
            if fast:
                unsynced(apps[definition.name].recorder)
    return apps


def copy_store(source: ServiceApplication, target: ServiceApplication) -> int:
    """Copies a store's stored events (in notification order, so with the same notification
    ids) and tracking records into another store of the same service: how the data set loaded
    on SQLite (fast) reaches PostgreSQL. The rows are the applications' own, byte for byte."""
    position, copied = 0, 0
    while page := source.recorder.select_notifications(
            start=position, limit=1000, inclusive_of_start=False):
        ids = target.recorder.insert_events([StoredEvent(
            originator_id=n.originator_id, originator_version=n.originator_version,
            topic=n.topic, state=n.state) for n in page])
        if ids is not None and list(ids) != [n.id for n in page]:
            raise RuntimeError(f"{source.service}: notification ids changed in the copy")
        position, copied = page[-1].id, copied + len(page)
    with source.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute("SELECT application_name, notification_id FROM tracking")
        tracked = [(row[0], row[1]) for row in cursor.fetchall()]
    for name, notification_id in tracked:
        if not name.startswith("__"):  # the library's own migration marker
            target.recorder.insert_tracking(Tracking(name, notification_id))
    return copied


def consumed() -> dict[str, tuple[str, ...]]:
    """Which upstream streams each service consumes (every partition of each)."""
    return {definition.name: tuple(definition.consumes) for definition in ALL}


# The streams: as the relays and consumers would have left them ------------------------------


async def fill_streams(js: Any, topology: Topology, apps: dict[str, ServiceApplication]
                       ) -> dict[str, int]:
    """Publishes every stored public event to its service's stream, as the relay would have
    (same subject, envelope and Nats-Msg-Id), pipelined; records the relay's position."""
    published = {}
    for service, app in apps.items():
        await ensure_stream(js, topology, service)
        position, pending = 0, []
        count = 0
        while page := app.recorder.select_notifications(
                start=position, limit=1000, inclusive_of_start=False):
            for notification in page:
                found = integration_of(app, app.mapper.to_domain_event(notification))
                if found is not None:
                    pending.append(await js.publish_async(
                        topology.subject(found[0]), found[1].encode(),
                        headers={"Nats-Msg-Id": message_id(service, notification.id)}))
                    count += 1
                position = notification.id
            await _settle(pending)
        if position:
            app.recorder.insert_tracking(Tracking(OUTBOX, position))
        published[service] = count
    return published


async def _settle(pending: list[Any]) -> None:
    for ack in await asyncio.gather(*pending):
        if getattr(ack, "duplicate", False):
            raise RuntimeError(f"stream fill: {ack} was a duplicate")
    pending.clear()


def durable_name(service: str, upstream: str, partition: int) -> str:
    """The durable consumer name shared.messaging.consumer.subscribe gives (FastStream binds to
    an existing durable of that name instead of creating it)."""
    return f"{service}-{upstream}-p{partition}"


async def position_consumers(js: Any, topology: Topology, settings: AssureSettings) -> int:
    """Creates every tracked consumer the services will bind to, delivering only what is
    published from now on: the stores already hold the effects of everything before (the
    tracking records say so), so the consumers start where years of use would have left them."""
    created = 0
    for service, upstreams in consumed().items():
        for upstream in upstreams:
            for k in range(settings.partitions):
                name = durable_name(service, upstream, k)
                await js.add_consumer(topology.stream(upstream), ConsumerConfig(
                    name=name, durable_name=name,
                    filter_subject=topology.partition_filter(upstream, k),
                    deliver_policy=DeliverPolicy.NEW, ack_policy=AckPolicy.EXPLICIT,
                    max_ack_pending=1, max_deliver=-1, ack_wait=settings.ack_wait_seconds,
                    description=f"{service} consumes {upstream} partition {k} (bench.national)"))
                created += 1
    return created


async def consumer_backlog(js: Any, topology: Topology, settings: AssureSettings
                           ) -> dict[str, int]:
    """Every durable consumer on the run's streams, and the messages they have yet to handle or
    ack: right after start, 0 pending and exactly the consumers placed here, unless the services
    made consumers of their own and are replaying years of messages. (The governance report's
    view reads the streams through ephemeral consumers of its own and is not counted.)"""
    consumers, pending = 0, 0
    for service in consumed():
        for info in await js.consumers_info(topology.stream(service)):
            if not info.config.durable_name:
                continue
            consumers += 1
            pending += info.num_pending + info.num_ack_pending
    return {"consumers": consumers, "pending": pending}
