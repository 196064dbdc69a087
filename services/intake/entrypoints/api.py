"""intake's HTTP routes, one module per area."""

from fastapi import APIRouter

from services.intake.entrypoints import (
    calendar,
    drafts,
    intelligence,
    registry,
    returns,
    sharing,
)
from shared.http import operations_router

router = APIRouter()
router.include_router(registry.router)
router.include_router(returns.router)
router.include_router(calendar.router)
router.include_router(intelligence.router)
router.include_router(drafts.router)
router.include_router(sharing.router)
router.include_router(operations_router("intake"))
