"""What every rendering of the governance report shares: row labels, short labels and bars."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assure.report.governance import GovernanceReport, ServiceTypeReport, Share

TITLE = "Contract monitoring: governance report"
RETURN_ROWS = (
    ("contracts_in_scope", "Contracts in scope (live in the period)"),
    ("contracts_ended", "of which ended by the end of the period"),
    ("requested", "Returns requested, due in the period"),
    ("requested_received", "of which received"),
    ("outstanding", "of which outstanding"),
    ("chased", "outstanding and chased (reminder sent)"),
    ("returned", "Contracts with a return received in the period"),
    ("without_return", "Contracts still live with no return received"),
    ("analysed", "Returns analysed (risk analysis completed)"),
    ("not_analysed", "Returns received, not yet analysed"),
)
SHORT = {
    "six_monthly_reviews_up_to_date": "Six-monthly reviews up to date",
    "personal_outcomes_met": "Personal outcomes met",
    "engagement_surveys_done": "Surveys or feedback",
    "incidents_up_on_previous_period": "Incidents up on the period before",
    "asp_training_up_to_date": "ASP training up to date",
    "supervisions_up_to_date": "Supervisions up to date",
    "mandatory_training_up_to_date": "Mandatory training up to date",
    "affected_by_staffing_shortages": "Staffing shortages",
    "management_changes": "Management changes",
    "personal_outcomes_not_all_met": "Outcomes not all met",
    "capacity_or_vacancy_concerns": "Capacity or vacancy concerns",
    "mandatory_training_not_up_to_date": "Mandatory training not up to date",
}
BAR_WIDTH = 300


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    fraction: float  # of the chart's full width, 0 to 1

    @property
    def width(self) -> float:
        return round(self.fraction * BAR_WIDTH, 1)


def percent_text(value: Decimal | None) -> str:
    """76.7%, 60%; a dash where no return says."""
    if value is None:
        return "-"
    return f"{value.normalize():f}%" if value == value.to_integral() else f"{value}%"


def share_bars(shares: tuple[Share, ...]) -> list[Bar]:
    return [Bar(SHORT[s.indicator], percent_text(s.percent), float(s.percent or 0) / 100)
            for s in shares]


def count_bars(counts: tuple[tuple[str, int], ...]) -> list[Bar]:
    top = max((count for _, count in counts), default=0) or 1
    return [Bar(label, str(count), count / top) for label, count in counts]


def return_rows(section: ServiceTypeReport) -> list[tuple[str, int]]:
    return [(label, getattr(section.returns, name)) for name, label in RETURN_ROWS]


def to_dict(report: GovernanceReport) -> dict[str, Any]:
    """The report as JSON-ready data."""
    return {
        "title": TITLE,
        "period": {"start": report.period.start.isoformat(),
                   "end": report.period.end.isoformat(), "label": str(report.period)},
        "as_at": report.as_at.isoformat() if report.as_at else None,
        "sections": [_section(s) for s in report.sections],
        "notes": list(report.notes),
    }


def _section(section: ServiceTypeReport) -> dict[str, Any]:
    return {
        "service_type": section.service_type,
        "label": section.label,
        "returns": {name: getattr(section.returns, name) for name, _ in RETURN_ROWS},
        "compliance": [_share(s) for s in section.compliance],
        "bands": [{"band": band, "providers": count} for band, count in section.bands],
        "band_total": section.band_total,
        "intelligence": [_share(s) for s in section.intelligence],
        "interventions_open": dict(section.interventions_open),
        "escalations": {"raised": section.escalations_raised,
                        "approved": section.escalations_approved},
    }


def _share(share: Share) -> dict[str, Any]:
    return {"indicator": share.indicator, "wording": share.wording, "yes": share.yes,
            "of": share.of, "percent": None if share.percent is None else float(share.percent)}
