"""Wires notify: its application, its HTTP routes and what it consumes."""

from services.notify.application import Notifications
from services.notify.entrypoints.api import router
from services.notify.entrypoints.subscribers import CONSUMES
from shared.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="notify", application=Notifications, router=router, consumes=CONSUMES
)
