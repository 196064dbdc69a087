"""Breach notices: the deficiency, the action required and the timescale (003 row 13).

A notice not met within its timescale opens the choice of suspension or decommission, and the
regulator (Care Inspectorate or CQC) must be told.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.escalation.domain.deadlines import Calendar, Deadline, Missed
from services.escalation.domain.ladder import Step
from shared.domain import InvalidInput, Refused, stable_id
from shared.uk import long_date

OPTIONS_ON_FAILURE = [Step.SUSPENSION.value, Step.DECOMMISSION.value]


class NoticeStatus(StrEnum):
    ISSUED = "issued"
    MET = "met"
    FAILED = "failed"


class NoticeDecided(Refused):
    """The notice was already met or failed."""


class BreachNotice(Aggregate):
    """A formal notice that the provider is failing the contract, with a date to put it right."""

    @staticmethod
    def create_id(intervention_id: str, number: int) -> UUID:
        return stable_id("breach-notice", intervention_id, str(number))

    @event("Issued")
    def __init__(
        self,
        provider_id: str,
        intervention_id: str,
        number: int,
        deficiency: str,
        action_required: str,
        comply_by: date,
        issued_on: date,
        issued_by: str,
        correlation_id: str,
    ) -> None:
        self.provider_id = provider_id
        self.intervention_id = intervention_id
        self.deficiency = deficiency
        self.action_required = action_required
        self.comply_by = comply_by
        self.issued_on = issued_on
        self.status = NoticeStatus.ISSUED
        self.decided_on: date | None = None
        self.regulator_notified: str | None = None

    def meet(self, on: date, by: str, correlation_id: str) -> None:
        """The provider put the deficiency right within the timescale."""
        self._check_outstanding()
        if on < self.issued_on:
            raise InvalidInput(f"{long_date(on)} is before the notice was issued", field="on")
        if on > self.comply_by:
            raise Refused(
                f"the timescale ended on {long_date(self.comply_by)}; a notice met on "
                f"{long_date(on)} was not met in time",
                field="on",
            )
        self._met(**self._facts(), on=on, by=by, correlation_id=correlation_id)

    def fail(self, noticed_on: date, correlation_id: str) -> None:
        """The timescale passed unmet: suspension or decommission, and the regulator is told."""
        self._check_outstanding()
        if noticed_on <= self.comply_by:
            raise Refused(
                f"the provider has until {long_date(self.comply_by)} to meet the notice", field="on"
            )
        self._failed(
            **self._facts(),
            comply_by=self.comply_by,
            noticed_on=noticed_on,
            options=list(OPTIONS_ON_FAILURE),
            regulator_to_be_notified=True,
            correlation_id=correlation_id,
        )

    def record_regulator_notified(
        self, regulator: str, on: date, by: str, correlation_id: str
    ) -> None:
        if self.status is not NoticeStatus.FAILED:
            raise Refused(
                f"the regulator is told when a notice fails; this one is {self.status.value}",
                field="notice",
            )
        if self.regulator_notified:
            raise Refused(f"{self.regulator_notified} was already notified", field="notice")
        if not regulator.strip():
            raise InvalidInput("name the regulator that was notified", field="regulator")
        self._regulator_notified(
            **self._facts(), regulator=regulator, on=on, by=by, correlation_id=correlation_id
        )

    def _facts(self) -> dict[str, str]:
        # Each event names the provider and intervention, so it reads on its own in a history.
        return {"provider_id": self.provider_id, "intervention_id": self.intervention_id}

    @property
    def outstanding(self) -> bool:
        return self.status is NoticeStatus.ISSUED

    def missed(self, today: date) -> list[Missed]:
        if self.outstanding and today > self.comply_by:
            return [Missed(Deadline.BREACH_NOTICE, self.comply_by, str(self.id))]
        return []

    def _check_outstanding(self) -> None:
        if not self.outstanding:
            assert self.decided_on is not None
            raise NoticeDecided(
                f"the notice was already {self.status.value} on {long_date(self.decided_on)}",
                field="notice",
            )

    @event("Met")
    def _met(
        self, provider_id: str, intervention_id: str, on: date, by: str, correlation_id: str
    ) -> None:
        self.status = NoticeStatus.MET
        self.decided_on = on

    @event("Failed")
    def _failed(
        self,
        provider_id: str,
        intervention_id: str,
        comply_by: date,
        noticed_on: date,
        options: list[str],
        regulator_to_be_notified: bool,
        correlation_id: str,
    ) -> None:
        self.status = NoticeStatus.FAILED
        self.decided_on = noticed_on

    @event("RegulatorNotified")
    def _regulator_notified(
        self,
        provider_id: str,
        intervention_id: str,
        regulator: str,
        on: date,
        by: str,
        correlation_id: str,
    ) -> None:
        self.regulator_notified = regulator


def issue_notice(
    provider_id: str,
    intervention_id: str,
    number: int,
    deficiency: str,
    action_required: str,
    comply_by: date,
    issued_on: date,
    issued_by: str,
    calendar: Calendar,
    correlation_id: str,
) -> BreachNotice:
    """A notice states all three terms; a timescale ending on a holiday runs to a working day."""
    problems = [
        (field, f"a breach notice states the {what}")
        for field, what, text in (
            ("deficiency", "performance deficiency", deficiency),
            ("action_required", "action required", action_required),
        )
        if not text.strip()
    ]
    if comply_by <= issued_on:
        problems.append(
            (
                "comply_by",
                f"the timescale must end after the notice is issued ({long_date(issued_on)})",
            )
        )
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    return BreachNotice(
        provider_id=provider_id,
        intervention_id=intervention_id,
        number=number,
        deficiency=deficiency.strip(),
        action_required=action_required.strip(),
        comply_by=calendar.on_or_after(comply_by),
        issued_on=issued_on,
        issued_by=issued_by,
        correlation_id=correlation_id,
    )
