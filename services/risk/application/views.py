"""The risk profiles view: every provider's standing and issues and risk log, read without
replaying a profile.

One row per provider's profile with the columns the officers' dashboard sorts and filters on
(band, score, assessed level, open concerns, the latest return's period end), a row per contract
(service type and monitoring level, which the lists filter on) and a row per log entry, each with
the JSON document its list returns (sealed at rest: shared/views/sealed.py). Rows are the profile
as it stands after each page of the store (shared/views/store.py), so the view is what a replay
gives. Worst first means the lowest band first (not scored last), then the most open concerns,
then the lowest score, then the provider's id: the console's dashboard orders the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from services.risk.domain.risk_profile import RiskProfile
from shared.contracts.risk import Band
from shared.views.store import StoreProjection
from shared.views.tables import Row, TableViewMixin

# Below 50% is the worst (0); a profile with no analysed return comes after every band.
WORST_FIRST = {band.value: rank for rank, band in enumerate(reversed(Band))}
NOT_SCORED_RANK = len(WORST_FIRST)
ORDER = "band_rank, open_concerns DESC, score, provider_id"
ALL = 2**63 - 1  # a page with no limit: the most rows either database can count


# What the lists show ---------------------------------------------------------------------------

class RiskView(BaseModel):
    """A provider's latest risk score (higher means lower risk), band and open concerns."""

    provider_id: str
    latest_score: Decimal | None
    latest_band: str | None
    risk_level: str | None
    model_version: str | None
    returns_scored: int
    open_concerns: list[str]
    service_types: list[str]
    monitoring_levels: dict[str, int | None]

    @classmethod
    def of(cls, profile: RiskProfile) -> RiskView:
        latest = profile.latest_analysed()
        return cls(
            provider_id=profile.provider_id, latest_score=profile.latest_score,
            latest_band=profile.latest_band, risk_level=profile.risk_level,
            model_version=None if latest is None else latest["scores"][-1]["model_version"],
            returns_scored=len(profile.scored_returns), open_concerns=profile.open_concerns,
            service_types=sorted({c["service_type"] for c in profile.contracts.values()}),
            monitoring_levels={c["reference"]: c["monitoring_level"]
                               for c in profile.contracts.values()},
        )


class Standing(RiskView):
    """One line of the officers' dashboard: the provider's risk and which way its score went."""

    previous_score: Decimal | None
    trend: Literal["up", "down", "steady"] | None

    @classmethod
    def of(cls, profile: RiskProfile) -> Standing:
        analysed = profile.analysed_returns()
        previous = analysed[-2]["scores"][-1]["score"] if len(analysed) > 1 else None
        latest = profile.latest_score
        trend = None if previous is None or latest is None else (
            "up" if latest > previous else "down" if latest < previous else "steady")
        return cls(**RiskView.of(profile).model_dump(), previous_score=previous, trend=trend)


# A log row's JSON as FastAPI writes a dict answer (pydantic's JSON mode: dates ISO, Decimal
# as text), so the documents are what the route answered before it read a view.
_AS_JSON = TypeAdapter(dict[str, Any])


def log_row(profile: RiskProfile, entry: dict[str, Any]) -> dict[str, Any]:
    """One line of the log across providers: the entry with its provider's band and level."""
    return {"provider_id": profile.provider_id, "band": profile.latest_band,
            "risk_level": profile.risk_level, **entry}


@dataclass(frozen=True)
class ProfileFilter:
    """Which providers a list shows: by band, assessed level, a contract's monitoring level or
    service type, and whether any return of theirs has been scored (None: any)."""

    band: str | None = None
    risk_level: str | None = None
    monitoring_level: int | None = None
    service_type: str | None = None
    scored: bool | None = None


@dataclass(frozen=True)
class Page:
    """A slice of a list: `limit` rows (None: all of them) after the first `offset`."""

    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class Listed:
    """One page of a list, as the JSON documents its rows return, and how many rows in all."""

    documents: list[str]
    total: int

    def json(self) -> str:
        return "[" + ",".join(self.documents) + "]"


# The view ------------------------------------------------------------------------------------

class RiskProfilesView(TableViewMixin):
    family = "risk"
    view_name = "risk-profiles"
    version = 1
    seals = True
    tables = {
        "profiles": "id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, band TEXT, "
                    "band_rank INTEGER NOT NULL, score DOUBLE PRECISION, risk_level TEXT, "
                    "open_concerns INTEGER NOT NULL, latest_return_on TEXT, indicators TEXT, "
                    "doc TEXT NOT NULL",
        "contracts": "id TEXT NOT NULL, reference TEXT NOT NULL, service_type TEXT NOT NULL, "
                     "monitoring_level INTEGER, PRIMARY KEY (id, reference)",
        # An entry carries its provider's sort keys and filters, rewritten with the profile.
        "entries": "id TEXT NOT NULL, entry_id TEXT NOT NULL, ordinal INTEGER NOT NULL, "
                   "kind TEXT NOT NULL, status TEXT NOT NULL, provider_id TEXT NOT NULL, "
                   "band TEXT, band_rank INTEGER NOT NULL, score DOUBLE PRECISION, "
                   "risk_level TEXT, open_concerns INTEGER NOT NULL, doc TEXT NOT NULL, "
                   "PRIMARY KEY (id, entry_id)",
    }
    indexes = {
        "profiles": (ORDER, "band", "risk_level"),
        "contracts": ("service_type, id", "monitoring_level, id"),
        # The order for a page; (status, kind, id) for counting a filtered log in the index.
        "entries": (f"status, {ORDER}, ordinal", f"{ORDER}, ordinal", "status, kind, id"),
    }

    def standings(self, where: ProfileFilter, page: Page) -> Listed:
        """The dashboard's lines, worst first."""
        clauses, params = _matching(where, "p")
        return self._listed(f"FROM {{profiles}} p {clauses}", _ordered("p"), params, page)

    def log_rows(self, where: ProfileFilter, open_only: bool, kind: str | None,
                 page: Page) -> Listed:
        """Every provider's log entries (worst provider first, then as logged)."""
        clauses, params = _matching(where, "e")
        if open_only:
            clauses, params = _and(clauses, "e.status = 'open'"), params
        if kind is not None:
            clauses, params = _and(clauses, "e.kind = ?"), [*params, kind]
        return self._listed(f"FROM {{entries}} e {clauses}", f"{_ordered('e')}, e.ordinal",
                            params, page)

    def _listed(self, source: str, order: str, params: list[Any], page: Page) -> Listed:
        """A page of documents and the count of all, read in one transaction."""
        limit = ALL if page.limit is None else page.limit  # both databases need a LIMIT
        with self._reading() as cursor:
            cursor.execute(self.statement(f"SELECT doc {source} ORDER BY {order} "
                                          "LIMIT ? OFFSET ?"), (*params, limit, page.offset))
            found = cursor.fetchall()
            cursor.execute(self.statement(f"SELECT COUNT(*) AS n {source}"), tuple(params))
            total = cursor.fetchall()[0]["n"]
        return Listed([self.sealed.open(r["doc"]) for r in found], total)

    def latest_indicators(self) -> list[dict[str, Any]]:
        """The indicators of each provider's latest return (of those that sent one)."""
        rows = self.select("SELECT indicators FROM {profiles} WHERE indicators IS NOT NULL")
        return [json.loads(r["indicators"]) for r in rows]


def _matching(where: ProfileFilter, alias: str) -> tuple[str, list[Any]]:
    """A WHERE clause for the filter over rows carrying a profile's id, band and level."""
    clauses, params = "", []
    for column, value in (("band", where.band), ("risk_level", where.risk_level)):
        if value is not None:
            clauses, params = _and(clauses, f"{alias}.{column} = ?"), [*params, value]
    if where.scored is not None:  # a band is what a scored return gives
        clauses = _and(clauses, f"{alias}.band IS {'NOT ' if where.scored else ''}NULL")
    for column, value in (("monitoring_level", where.monitoring_level),
                          ("service_type", where.service_type)):
        if value is not None:
            # A set of ids read once by its index, not a lookup for each row.
            clauses = _and(clauses, f"{alias}.id IN (SELECT c.id FROM {{contracts}} c "
                                    f"WHERE c.{column} = ?)")
            params = [*params, value]
    return clauses, params


def _and(clauses: str, clause: str) -> str:
    return f"{clauses} AND {clause}" if clauses else f"WHERE {clause}"


def _ordered(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in ORDER.split(","))


# Its rows ------------------------------------------------------------------------------------

UPSERT_PROFILE = (
    "INSERT INTO {profiles} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
    "SET provider_id = excluded.provider_id, band = excluded.band, "
    "band_rank = excluded.band_rank, score = excluded.score, "
    "risk_level = excluded.risk_level, open_concerns = excluded.open_concerns, "
    "latest_return_on = excluded.latest_return_on, indicators = excluded.indicators, "
    "doc = excluded.doc")
UPSERT_CONTRACT = (
    "INSERT INTO {contracts} VALUES (?, ?, ?, ?) ON CONFLICT (id, reference) DO UPDATE "
    "SET service_type = excluded.service_type, monitoring_level = excluded.monitoring_level")
UPSERT_ENTRY = (
    "INSERT INTO {entries} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id, entry_id) DO UPDATE SET ordinal = excluded.ordinal, "
    "kind = excluded.kind, status = excluded.status, provider_id = excluded.provider_id, "
    "band = excluded.band, band_rank = excluded.band_rank, score = excluded.score, "
    "risk_level = excluded.risk_level, open_concerns = excluded.open_concerns, "
    "doc = excluded.doc")


class RiskProfiles(StoreProjection[RiskProfilesView]):
    """Each risk profile as its lists show it."""

    name = "risk-profiles"
    view_class = RiskProfilesView
    follows = (RiskProfile,)

    def rows_for(self, aggregate: Any) -> list[Row]:
        profile: RiskProfile = aggregate
        key = str(profile.id)
        standing = _standing_columns(profile)
        rows = [Row(UPSERT_PROFILE, (key, profile.provider_id, *standing,
                                     *_latest_return(profile),
                                     self.view.sealed.seal(Standing.of(profile)
                                                           .model_dump_json())))]
        rows += [Row(UPSERT_CONTRACT, (key, reference, c["service_type"], c["monitoring_level"]))
                 for reference, c in profile.contracts.items()]
        rows += [Row(UPSERT_ENTRY, (key, entry_id, ordinal, entry["kind"], entry["status"],
                                    profile.provider_id, *standing, self._sealed_row(
                                        profile, entry)))
                 for ordinal, (entry_id, entry) in enumerate(profile.log.items())]
        return rows

    def _sealed_row(self, profile: RiskProfile, entry: dict[str, Any]) -> str:
        return self.view.sealed.seal(_AS_JSON.dump_json(log_row(profile, entry)).decode())


def _standing_columns(profile: RiskProfile) -> tuple[Any, ...]:
    """band, band_rank, score, risk_level, open_concerns: what lists sort and filter on."""
    band, score = profile.latest_band, profile.latest_score
    # The score as a float is a sort key only: the document keeps it exact.
    return (band, WORST_FIRST.get(band, NOT_SCORED_RANK) if band else NOT_SCORED_RANK,
            None if score is None else float(score), profile.risk_level,
            len(profile.open_concerns))


def _latest_return(profile: RiskProfile) -> tuple[str | None, str | None]:
    """The latest return's period end and its indicators (what the provider last told us)."""
    latest = profile.latest_return()
    if latest is None:
        return None, None
    return latest["period_end"].isoformat(), json.dumps(latest["indicators"], sort_keys=True)
