"""intake's HTTP routes, one module per area."""

from fastapi import APIRouter

from services.intake.entrypoints import (
    drafts,
    registry,
    regulators,
    return_calendar,
    returns,
    sharing,
)
from shared.http import operations_router

router = APIRouter()
router.include_router(registry.router)
router.include_router(returns.router)
router.include_router(return_calendar.router)
router.include_router(regulators.router)
router.include_router(drafts.router)
router.include_router(sharing.router)
router.include_router(operations_router("intake"))
