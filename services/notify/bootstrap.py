"""Wires notify: its application, its HTTP routes, what it consumes, and its jobs.

The dispatcher is part of delivering, not a scheduled job: it runs whenever the service runs,
also where scheduled jobs are switched off (tests, which run the schedule by hand).
"""

from __future__ import annotations

from typing import Any

from services.notify.application import Notifications
from services.notify.entrypoints.api import router
from services.notify.entrypoints.at_rest import reseal
from services.notify.entrypoints.jobs import dispatch, run_schedule
from services.notify.entrypoints.subscribers import CONSUMES
from shared.runtime import ServiceRuntime
from shared.service import ServiceDefinition


class NotifyDefinition(ServiceDefinition):
    """notify's definition: its runtime always runs the dispatcher."""

    def runtime(self, *args: Any, **kwargs: Any) -> ServiceRuntime:
        runtime = super().runtime(*args, **kwargs)
        runtime.background = (dispatch, *runtime.background)
        return runtime


SERVICE = NotifyDefinition(
    name="notify", application=Notifications, router=router, consumes=CONSUMES,
    background=(run_schedule,), reseal=reseal,
)
