"""What runs beside intake wherever intake runs, in one process with the other services or in
a worker of its own (assure/system.py, assure/worker.py): its link to other councils, when the
settings name a sharing set-up (issue 20). It applies what arrives to intake's store, so it
runs with intake and nowhere else."""

from __future__ import annotations

from services.intake.adapters.council_link import CouncilLink, start_council_link
from shared.eventstore import ServiceApplication
from shared.nats_server import jetstream_encryption
from shared.settings import AssureSettings


async def council_link(app: ServiceApplication, settings: AssureSettings) -> CouncilLink | None:
    """Sharing with other councils over the council's edge server; none without a set-up."""
    if not settings.sharing_file:
        return None
    return await start_council_link(app, settings, jetstream_encryption(settings))
