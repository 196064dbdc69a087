"""The KPI return: whichever of KPI1-KPI6 are due in the period (001, "KPI submissions")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import model_validator

from shared.contracts.forms.common import (
    Count,
    FormModel,
    Hours,
    Section,
    field_error,
    percent,
    refuse,
)
from shared.vocabulary import KPI_SECTIONS  # the section each KPI is rated under, by intake

# How often each KPI is collected (001); the calendar itself belongs to intake.
KPI_INTERVALS = {
    "kpi1": "six-monthly",
    "kpi2": "quarterly",
    "kpi3": "quarterly",
    "kpi4": "annually",
    "kpi5": "quarterly",
    "kpi6": "quarterly",
}


def _more_than(name: str, value: int, whole: int, message: str) -> None:
    if value > whole:
        refuse("KPI", [field_error((name,), "more_than_possible", message, value)])


class ServiceUserOutcomes(Section):
    """KPI1: service user outcome measures, the outcomes being achieved (six-monthly)."""

    people_supported: Count
    outcomes_set: Count
    outcomes_achieved: Count

    @model_validator(mode="after")
    def _achieved_among_set(self) -> ServiceUserOutcomes:
        _more_than("outcomes_achieved", self.outcomes_achieved, self.outcomes_set,
                   f"{self.outcomes_achieved} outcomes achieved of {self.outcomes_set} set")
        return self

    @property
    def achieved_percent(self) -> Decimal:
        return percent(self.outcomes_achieved, self.outcomes_set)


class SpotChecks(Section):
    """KPI2: spot-check visits planned and done (quarterly)."""

    planned: Count
    completed: Count
    concerns_found: Count

    @model_validator(mode="after")
    def _concerns_from_checks_done(self) -> SpotChecks:
        _more_than("concerns_found", self.concerns_found, self.completed,
                   f"{self.concerns_found} checks found concerns of {self.completed} done")
        return self

    @property
    def completed_percent(self) -> Decimal:
        return percent(self.completed, self.planned)


class ComplaintsAndConcerns(Section):
    """KPI3: complaints and concerns received and resolved (quarterly)."""

    complaints_received: Count
    complaints_resolved: Count  # may include complaints carried over from the last period
    resolved_within_timescale: Count
    complaints_upheld: Count
    concerns_received: Count

    @model_validator(mode="after")
    def _resolved_figures_fit(self) -> ComplaintsAndConcerns:
        resolved = self.complaints_resolved
        _more_than("resolved_within_timescale", self.resolved_within_timescale, resolved,
                   f"{self.resolved_within_timescale} in timescale of {resolved} resolved")
        _more_than("complaints_upheld", self.complaints_upheld, resolved,
                   f"{self.complaints_upheld} upheld of {resolved} resolved")
        return self

    @property
    def in_timescale_percent(self) -> Decimal:
        return percent(self.resolved_within_timescale, self.complaints_resolved)


class Employment(Section):
    """KPI4: supporting people to obtain or retain employment (annually)."""

    people_wanting_employment: Count
    obtained_employment: Count
    retained_employment: Count

    @model_validator(mode="after")
    def _helped_among_those_wanting(self) -> Employment:
        helped = self.obtained_employment + self.retained_employment
        _more_than("obtained_employment", helped, self.people_wanting_employment,
                   f"{helped} obtained or retained work of {self.people_wanting_employment} "
                   "wanting it")
        return self

    @property
    def supported_percent(self) -> Decimal:
        helped = self.obtained_employment + self.retained_employment
        return percent(helped, self.people_wanting_employment)


class CommissionedHours(Section):
    """KPI5: delivery of commissioned hours (quarterly)."""

    commissioned_hours: Hours
    delivered_hours: Hours

    @property
    def delivered_percent(self) -> Decimal:
        return percent(self.delivered_hours, self.commissioned_hours)


class StaffTurnover(Section):
    """KPI6: staff turnover from starters, leavers and headcount (quarterly)."""

    headcount_start: Count
    headcount_end: Count
    starters: Count
    leavers: Count

    @model_validator(mode="after")
    def _leavers_were_staff(self) -> StaffTurnover:
        had = self.headcount_start + self.starters
        _more_than("leavers", self.leavers, had,
                   f"{self.leavers} leavers but only {had} staff in post or starting")
        return self

    @property
    def turnover_percent(self) -> Decimal:
        """Leavers as a percentage of the average headcount over the period."""
        average = Decimal(self.headcount_start + self.headcount_end) / 2
        return percent(self.leavers, average) if average else Decimal(0)


class KpiReturn(FormModel):
    """A provider's KPI return for one period, carrying the KPIs due in it."""

    form = "kpi"
    version = 1

    kpi1: ServiceUserOutcomes | None = None
    kpi2: SpotChecks | None = None
    kpi3: ComplaintsAndConcerns | None = None
    kpi4: Employment | None = None
    kpi5: CommissionedHours | None = None
    kpi6: StaffTurnover | None = None

    @model_validator(mode="after")
    def _carries_a_kpi(self) -> KpiReturn:
        if all(getattr(self, name) is None for name in KPI_SECTIONS):
            raise ValueError("a KPI return carries at least one of kpi1 to kpi6")
        return self


def example() -> dict[str, Any]:
    """A supported-housing provider's first-quarter KPI return, all targets met."""
    return {
        "period_start": "2026-04-01",
        "period_end": "2026-06-30",
        "kpi2": {"planned": 12, "completed": 12, "concerns_found": 1},
        "kpi3": {
            "complaints_received": 3, "complaints_resolved": 3, "resolved_within_timescale": 3,
            "complaints_upheld": 1, "concerns_received": 2,
        },
        "kpi5": {"commissioned_hours": "5460.00", "delivered_hours": "5398.50"},
        "kpi6": {"headcount_start": 58, "headcount_end": 59, "starters": 4, "leavers": 3},
    }
