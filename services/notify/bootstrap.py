"""Wires notify: the adapters its settings name (the council's configuration file, the e-mail
and webhook channels), its application, its HTTP routes, what it consumes, and its jobs.

The dispatcher is part of delivering, not a scheduled job: it runs whenever the service runs,
also where scheduled jobs are switched off (tests, which run the schedule by hand).
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.notify.adapters.channels import channels_from
from services.notify.adapters.config_file import load_notify_config
from services.notify.application import Notifications
from services.notify.entrypoints import jobs
from services.notify.entrypoints.at_rest import reseal
from services.notify.entrypoints.subscribers import CONSUMES
from shared.runtime import ServiceRuntime
from shared.service import ServiceDefinition


async def dispatch(app: Notifications, stopping: asyncio.Event) -> None:
    """Sends e-mail and webhook deliveries, through the channels the settings name, while the
    service runs."""
    await jobs.dispatch(app, channels_from(app.env, app.config), stopping)


def build_notify(env: dict[str, str]) -> Notifications:
    """notify on the store and with the council's configuration a service environment names (a
    wrong configuration file stops the start)."""
    return Notifications(env=env, config=load_notify_config(env.get("ASSURE_NOTIFY_CONFIG_FILE")))


class NotifyDefinition(ServiceDefinition):
    """notify's definition: its runtime always runs the dispatcher."""

    def runtime(self, *args: Any, **kwargs: Any) -> ServiceRuntime:
        runtime = super().runtime(*args, **kwargs)
        runtime.background = (dispatch, *runtime.background)
        return runtime


SERVICE = NotifyDefinition(
    name="notify", application=Notifications, routes="services.notify.entrypoints.api",
    consumes=CONSUMES, background=(jobs.run_schedule,), reseal=reseal, builder=build_notify,
)
