"""What escalation's route modules share: the application, names of people, the full view."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.application import Interventions
from services.escalation.application.serious_steps import proposals_waiting
from services.escalation.domain.intervention import Intervention
from services.escalation.entrypoints.views import InterventionView
from shared.http import application_of

App = Annotated[Interventions, Depends(application_of("escalation"))]
Person = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=4000)]


class Command(BaseModel):
    """Every command body refuses fields it does not know, so a typo is not silently lost."""

    model_config = ConfigDict(extra="forbid")


def view(app: Interventions, intervention: Intervention) -> InterventionView:
    return InterventionView.of(
        intervention, app.plans_of(intervention), app.notices_of(intervention),
        proposals_waiting(app, intervention),
    )
