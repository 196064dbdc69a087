"""Read models owned by the composition root: the governance report's view (issue 15)."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from assure.reporting.projection import GovernanceProjection
from assure.reporting.view import PostgresGovernanceView, SQLiteGovernanceView
from shared.settings import AssureSettings

STORE = "reporting"  # reporting.sqlite in the data directory, or the schema assure_reporting


def open_view(settings: AssureSettings) -> Any:
    """The governance view in its own SQLite file or PostgreSQL schema, tables created."""
    settings.prepare_store(STORE)
    env = Environment(GovernanceProjection.name, settings.eventstore_env(STORE))
    factory = InfrastructureFactory.construct(env)
    view_class = PostgresGovernanceView if settings.uses_postgres else SQLiteGovernanceView
    return factory.tracking_recorder(view_class)


def open_projection(settings: AssureSettings) -> GovernanceProjection:
    return GovernanceProjection(view=open_view(settings))
