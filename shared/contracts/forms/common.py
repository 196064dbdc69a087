"""What every return form shares: the period and bounded answers (intake rates them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared.contracts.intake import Rating
from shared.uk import long_date
from shared.uk_types import DateInRange

# Plain data, so the services' domains read these words too; the forms answer in them.
from shared.vocabulary import Achievement
from shared.vocabulary import StaffingLevel as StaffingLevel

Percent = Annotated[
    Decimal | int,
    Field(ge=0, le=100, json_schema_extra={"minimum": 0, "maximum": 100}),
]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
"""Pounds sterling, to the penny (house style: money is Decimal in pounds)."""
Hours = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]

Text = Annotated[str, Field(min_length=1, max_length=5000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Notes = Annotated[str | None, Field(default=None, max_length=2000)]
"""'Good practice, areas of concern or additional information' beside each section."""
TextList = Annotated[tuple[ShortText, ...], Field(default=(), max_length=50)]


@dataclass(frozen=True)
class InPeriod:
    """Marks a date answered in a form that must lie inside the return's period."""


@dataclass(frozen=True)
class NotBeforePeriod:
    """Marks a date that may fall after the period but never before it starts (a signature)."""


InPeriodDate = Annotated[date, InPeriod()]
OptionalInPeriodDate = Annotated[InPeriodDate | None, Field(default=None)]
NotBeforePeriodDate = Annotated[DateInRange, NotBeforePeriod()]


uk_date = long_date


def field_error(
    loc: tuple[str | int, ...], kind: str, message: str, value: Any
) -> InitErrorDetails:
    """One error of type `kind` for the field at `loc` (relative to the model raising it)."""
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)


def refuse(title: str, errors: list[InitErrorDetails]) -> None:
    """Raises the errors so pydantic reports them at their own locations, not the model's."""
    if errors:
        raise ValidationError.from_exception_data(title, errors)


class Section(BaseModel):
    """A section of a form: its answers, frozen and closed to unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=5000)


class RatedSection(Section):
    """A section of the monitoring meeting record carrying its own risk rating (004 App. 3)."""

    notes: Notes
    rating: Rating


class FormModel(BaseModel):
    """A provider's return for one period; subclasses name their form and version."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=5000)

    form: ClassVar[str]
    version: ClassVar[int] = 1

    # The period within the years any date may take; dates in the period follow from it.
    period_start: DateInRange
    period_end: DateInRange

    @model_validator(mode="wrap")
    @classmethod
    def _dates_fall_in_the_period(
        cls, data: Any, handler: ModelWrapValidatorHandler[FormModel]
    ) -> FormModel:
        # Around validation, not after it: pydantic runs no after-validator once any field has
        # failed, and a provider should hear of a misplaced date beside every other bad answer.
        try:
            form = handler(data)
        except ValidationError as invalid:
            misplaced = _period_errors(cls, data)  # read leniently from the answers as sent
            if misplaced:
                raise ValidationError.from_exception_data(
                    cls.__name__, [*_reraisable(invalid), *misplaced]) from None
            raise
        refuse(cls.__name__, _period_errors(cls, form))
        return form


def _period_errors(model: type[FormModel], values: object) -> list[InitErrorDetails]:
    """A period running backwards, or else the marked dates misplaced in it.

    `values` is a validated form or the answers as sent; a date in them that does not parse is
    passed over, left for pydantic to name.
    """
    start, end = (_as_date(_value_of(values, name)) for name in ("period_start", "period_end"))
    if start is None or end is None:
        return []
    if end < start:
        return [field_error(("period_end",), "period_backwards",
                            f"the period ends ({uk_date(end)}) before it starts "
                            f"({uk_date(start)})", end)]
    period = f"{uk_date(start)} to {uk_date(end)}"
    errors = []
    for loc, marker, value in _marked_dates(model, values, ()):
        if isinstance(marker, InPeriod) and not start <= value <= end:
            errors.append(field_error(loc, "date_outside_period",
                                      f"{uk_date(value)} lies outside the period {period}", value))
        if isinstance(marker, NotBeforePeriod) and value < start:
            errors.append(field_error(loc, "date_before_period",
                                      f"{uk_date(value)} is before the period {period}", value))
    return errors


def _reraisable(error: ValidationError) -> list[InitErrorDetails]:
    """The error's own errors, to raise beside others with their places, types and messages."""
    return [field_error(e["loc"], e["type"], e["msg"], e["input"]) for e in error.errors()]


_DATE = TypeAdapter(date)


def _as_date(value: object) -> date | None:
    """`value` read as pydantic reads a date, or None if it is no date."""
    try:
        return _DATE.validate_python(value)
    except ValidationError:
        return None


def _value_of(values: object, name: str) -> object:
    """The answer named `name` in a validated model or in a dict of answers as sent."""
    if isinstance(values, dict):
        return values.get(name)
    return getattr(values, name, None) if isinstance(values, BaseModel) else None


def _marked_dates(
    model: type[BaseModel], values: object, loc: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], InPeriod | NotBeforePeriod, date]]:
    """Each date marked `InPeriod` or `NotBeforePeriod` in `values` given for `model`."""
    for name, info in model.model_fields.items():
        value = _value_of(values, name)
        marker = _date_marker(info)
        if marker is not None and (when := _as_date(value)) is not None:
            yield (*loc, name), marker, when
        yield from _nested_dates(info.annotation, value, (*loc, name))


def _date_marker(info: FieldInfo) -> InPeriod | NotBeforePeriod | None:
    """The field's date marker, on the field itself or on a member of its union (`| None`)."""
    metadata = [*info.metadata]
    for member in get_args(info.annotation):
        if get_origin(member) is Annotated:
            metadata.extend(member.__metadata__)
    return next((m for m in metadata if isinstance(m, InPeriod | NotBeforePeriod)), None)


def _nested_dates(
    annotation: Any, value: object, loc: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], InPeriod | NotBeforePeriod, date]]:
    """The marked dates inside `value`, answered for a field of type `annotation`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _marked_dates(annotation, value, loc)
    elif get_origin(annotation) in (tuple, list):
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                yield from _nested_dates(get_args(annotation)[0], item, (*loc, index))
    else:  # `X | None`, `Annotated[X, ...]`
        for member in get_args(annotation):
            yield from _nested_dates(member, value, loc)


# Derived figures and outcomes ---------------------------------------------------------------


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal:
    """`part` as a percentage of `whole`, to two places; nothing of nothing counts as 100%."""
    if not whole:
        return Decimal(100)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


class OutcomeReport(Section):
    """One outcome agreed in the contract or service agreement, and how far it was achieved."""

    outcome: ShortText
    achieved: Achievement
    evidence: Notes


# Annex 1: the organisation's operational policies (004 App. 4, 5 and 8) ---------------------


class OperationalPolicy(StrEnum):
    """The 26 policies of Annex 1, the operational-policies checklist of LEVEL 2 and 3 returns."""

    RECRUITMENT_AND_SELECTION = "recruitment_and_selection"
    VOLUNTEERING = "volunteering"
    EQUAL_OPPORTUNITIES = "equal_opportunities"
    DISCIPLINE_AND_GRIEVANCE = "discipline_and_grievance"
    SUPERVISION = "supervision"
    PERFORMANCE_APPRAISAL = "performance_appraisal"
    DIGNITY_AT_WORK = "dignity_at_work"
    CODE_OF_CONDUCT = "code_of_conduct"
    ANNUAL_LEAVE = "annual_leave"
    SICKNESS_ABSENCE = "sickness_absence"
    OTHER_ABSENCE = "other_absence"
    FAMILY_POLICIES = "family_policies"
    CARERS_AND_COMPASSIONATE_LEAVE = "carers_and_compassionate_leave"
    BEREAVEMENT_LEAVE = "bereavement_leave"
    RETIREMENT = "retirement"
    FLEXIBLE_WORKING = "flexible_working"
    HEALTH_AND_SAFETY = "health_and_safety"
    FINANCE = "finance"
    PAY_AND_PENSIONS = "pay_and_pensions"
    LIVING_WAGE = "living_wage"
    BOARD_RESPONSIBILITIES = "board_responsibilities"
    ADULT_SUPPORT_AND_PROTECTION = "adult_support_and_protection"
    TRAINING = "training"
    DATA_PROTECTION = "data_protection"
    RECORDS_MANAGEMENT = "records_management"
    RISK_MANAGEMENT = "risk_management"


POLICY_TITLES: dict[OperationalPolicy, str] = {
    OperationalPolicy.RECRUITMENT_AND_SELECTION: "Recruitment and selection process",
    OperationalPolicy.VOLUNTEERING: "Volunteering policy",
    OperationalPolicy.EQUAL_OPPORTUNITIES: "Equal opportunities policy",
    OperationalPolicy.DISCIPLINE_AND_GRIEVANCE:
        "Discipline and grievance procedures including gross misconduct list",
    OperationalPolicy.SUPERVISION: "Supervision policy",
    OperationalPolicy.PERFORMANCE_APPRAISAL: "Performance appraisal procedure and policy",
    OperationalPolicy.DIGNITY_AT_WORK: "Dignity at work including harassment and bullying",
    OperationalPolicy.CODE_OF_CONDUCT: "Code of conduct",
    OperationalPolicy.ANNUAL_LEAVE: "Annual leave including public holidays",
    OperationalPolicy.SICKNESS_ABSENCE: "Sickness absence",
    OperationalPolicy.OTHER_ABSENCE: "Rules on other types of absence including unauthorised",
    OperationalPolicy.FAMILY_POLICIES:
        "Family policies: maternity, paternity, adoption, parental and dependants' leave",
    OperationalPolicy.CARERS_AND_COMPASSIONATE_LEAVE:
        "Non-statutory family, domestic, carers and compassionate leave",
    OperationalPolicy.BEREAVEMENT_LEAVE: "Bereavement leave",
    OperationalPolicy.RETIREMENT: "Statutory rules on retirement",
    OperationalPolicy.FLEXIBLE_WORKING: "Statutory flexible working arrangements",
    OperationalPolicy.HEALTH_AND_SAFETY: "Health and safety (where five or more staff)",
    OperationalPolicy.FINANCE:
        "Finance: internal financial procedures, money laundering, investments and reserves",
    OperationalPolicy.PAY_AND_PENSIONS: "Pay and pensions including deductions from pay",
    OperationalPolicy.LIVING_WAGE: "Living wage policy",
    OperationalPolicy.BOARD_RESPONSIBILITIES: "Board responsibilities, conduct and composition",
    OperationalPolicy.ADULT_SUPPORT_AND_PROTECTION: "Adult Support & Protection policy",
    OperationalPolicy.TRAINING: "Training policy",
    OperationalPolicy.DATA_PROTECTION: "Data protection",
    OperationalPolicy.RECORDS_MANAGEMENT: "Records management policy",
    OperationalPolicy.RISK_MANAGEMENT: "Risk management",
}


class PolicyAnswer(Section):
    """Yes or no for one policy; a 'no' must say why (Annex 1: 'please give the reason')."""

    in_place: bool
    reason: Annotated[str | None, Field(default=None, max_length=1000)]


Policy = Annotated[PolicyAnswer, Field(description="Annex 1 policy")]


class OperationalPolicies(Section):
    """Annex 1, every policy answered; field names are `OperationalPolicy` values."""

    recruitment_and_selection: Policy
    volunteering: Policy
    equal_opportunities: Policy
    discipline_and_grievance: Policy
    supervision: Policy
    performance_appraisal: Policy
    dignity_at_work: Policy
    code_of_conduct: Policy
    annual_leave: Policy
    sickness_absence: Policy
    other_absence: Policy
    family_policies: Policy
    carers_and_compassionate_leave: Policy
    bereavement_leave: Policy
    retirement: Policy
    flexible_working: Policy
    health_and_safety: Policy
    finance: Policy
    pay_and_pensions: Policy
    living_wage: Policy
    board_responsibilities: Policy
    adult_support_and_protection: Policy
    training: Policy
    data_protection: Policy
    records_management: Policy
    risk_management: Policy

    @model_validator(mode="after")
    def _each_no_gives_its_reason(self) -> OperationalPolicies:
        refuse("OperationalPolicies", [
            field_error((policy.value, "reason"), "reason_required",
                        f"give the reason there is no {POLICY_TITLES[policy]}", answer.reason)
            for policy, answer in self.answers().items()
            if not answer.in_place and not (answer.reason or "").strip()
        ])
        return self

    def answers(self) -> dict[OperationalPolicy, PolicyAnswer]:
        return {policy: getattr(self, policy.value) for policy in OperationalPolicy}

    def missing(self) -> list[OperationalPolicy]:
        """The policies the organisation says it does not have."""
        return [policy for policy, answer in self.answers().items() if not answer.in_place]


def all_policies_in_place() -> dict[str, dict[str, bool]]:
    """An Annex 1 answer with every policy in place, for examples."""
    return {policy.value: {"in_place": True} for policy in OperationalPolicy}
