"""The 2022 light-touch round of 002: who was in scope and what each provider answered.

002 (the Contract Management Group paper of 21 March 2022) reports the self-assessment
questionnaires (SAQs) of August 2021, covering 1 August 2020 to 31 July 2021: 31 care homes in
scope, one excluded when its ownership passed to the council, 30 SAQs received and analysed;
31 care and support at home contracts, 30 SAQs received (the other chased), 29 analysed.

The paper gives only totals, so the answers below are made up to give exactly those totals
under Assure's own rules: intake's ratings of the SAQ's sections
(`services/intake/domain/section_ratings.py`) and risk's default scoring model, unchanged. Each
provider is one row:

- `misses`: the compliance indicators its answers miss, one letter each (MISSES). A miss rates
  that section amber and costs 50/7 points; a missed ASP training or supervision threshold costs
  5 points more (risk's answer rules). So one or two misses, or three without A or P, score
  75-99%; the rows with more score 50-74% (none misses six with both A and P, under 50%).
- `flags`: the intelligence it reports (FLAGS), which cost no points.
- `status`: received and analysed (the default), EXCLUDED, NOT_RECEIVED or ANALYSIS_PENDING.

Every name is made up; none is a real provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shared.contracts.forms.common import StaffingLevel

PERIOD_START = date(2020, 8, 1)
PERIOD_END = date(2021, 7, 31)
# The day the contracts are recorded in Assure and the round goes out; after the LEVEL 1
# deadline of 16 August 2021, so the calendar asks for no CMR while the CMRs are paused.
ROUND_ISSUED = date(2021, 8, 17)
# The self-assessment is asked for on ROUND_ISSUED (POST /intake/contracts/{ref}/requests), due
# by the end of the half-year 002 reports on; one not received by then is overdue and reminded.
SAQ_DUE = date(2021, 9, 30)
# The data set's clock ends here, so the default report is the half-year of the round.
CLOCK_ENDS = date(2021, 10, 1)
# Weekly batches in which the SAQs come in.
RECEIPT_DAYS = (date(2021, 8, 27), date(2021, 9, 3), date(2021, 9, 10), date(2021, 9, 17),
                date(2021, 9, 24), date(2021, 9, 29))

MISSES = {
    "R": "six-monthly reviews not up to date",
    "O": "under 80% of personal outcomes met",
    "S": "no engagement or satisfaction survey, nor feedback gathered",
    "I": "more incidents and accidents than in the period before",
    "A": "ASP training under 80%",
    "P": "supervisions under 80% up to date",
    "M": "mandatory training not up to date",
}
FLAGS = {
    "h": "staffing shortages (not limiting the service)",
    "g": "agency staff used to cover shortages",
    "m": "management changes",
    "c": "capacity or vacancy concerns",
    "n": "personal outcomes met at 80% or more but not all",
}

RECEIVED = "received"
EXCLUDED = "excluded"
NOT_RECEIVED = "not received"
ANALYSIS_PENDING = "analysis pending"

EXCLUSION = ("Ownership of the home transferred to Dumfries and Galloway Council; the home is "
             "excluded from the 2021 light-touch monitoring (002 §3.3)")
ENDED_ON = date(2021, 8, 31)


@dataclass(frozen=True)
class Partner:
    """One provider partner's contract and its self-assessment."""

    name: str
    framework: str
    misses: str = ""
    flags: str = ""
    status: str = RECEIVED

    @property
    def slug(self) -> str:
        return self.name.split()[0].lower()


def _ch(name: str, misses: str = "", flags: str = "", status: str = RECEIVED,
        framework: str = "NCHC") -> Partner:
    return Partner(f"{name} House", framework, misses, flags, status)


def _cah(name: str, misses: str = "", flags: str = "", status: str = RECEIVED,
         framework: str = "NFF") -> Partner:
    return Partner(f"{name} Care at Home", framework, misses, flags, status)


# 28 National Care Home Contracts and 2 on the CHALD framework took part (002 §3.2); one more
# home was in scope but excluded (§3.3). Bands 0 / 23 / 7 / 0.
CARE_HOMES = (
    # 50-74%: seven homes
    _ch("Alder", "ROAPM", "hmc"), _ch("Ash", "ROAPS", "hmc"), _ch("Aspen", "ROPMI", "gmc"),
    _ch("Beech", "ROAM", "hm"), _ch("Birch", "OPMS", "hm"), _ch("Blackthorn", "ROA", "gm"),
    _ch("Bramble", "OPIM", "hm"),
    # 75-99%: twenty-three homes
    _ch("Cedar", "OA", "hm"), _ch("Cherry", "OA", "m"), _ch("Chestnut", "OA", "m"),
    _ch("Elder", "OA", "m"), _ch("Fir", "OP", "hmc"), _ch("Gorse", "OP", "m"),
    _ch("Hawthorn", "OP", "m"), _ch("Hazel", "OP", "m"), _ch("Heather", "OP", "m"),
    _ch("Holly", "OP", "m"), _ch("Hornbeam", "ORM", "gm"), _ch("Juniper", "ORM"),
    _ch("Larch", "ORS", "c"), _ch("Laurel", "ORS"), _ch("Lime", "RI", "h"),
    _ch("Maple", "RI"), _ch("Myrtle", "RS"), _ch("Oak", "SI"), _ch("Pine", "SM"),
    _ch("Poplar", "I", "n"), _ch("Rowan", "I", framework="CHALD"), _ch("Spruce", "M", "n"),
    _ch("Willow", "M", framework="CHALD"),
    # In scope, but ownership passed to the council.
    _ch("Yew", status=EXCLUDED),
)

# 28 National Flexible Framework contracts, 2 SDS Option 2 providers and 1 block contract
# (002 §3.2). Bands 0 / 15 / 14 / 0 for the 29 analysed.
CARE_AT_HOME = (
    # 50-74%: fourteen
    _cah("Bunting", "ROAP", "hmc"), _cah("Curlew", "ROAP", "hmc"), _cah("Dipper", "ROAP", "gmc"),
    _cah("Dunlin", "ROAM", "hmc"), _cah("Eider", "ROPMI", "hmc"), _cah("Fieldfare", "ROPM", "hmc"),
    _cah("Finch", "ROAM", "gmc"), _cah("Gannet", "OPSM", "hmc"), _cah("Goldcrest", "ROP", "hmc"),
    _cah("Grebe", "ROA", "hmc"), _cah("Heron", "OPIM", "hc"), _cah("Kestrel", "ROSM", "hc"),
    _cah("Kingfisher", "OPS", "gc"), _cah("Kittiwake", "ROIM", "hc"),
    # 75-99%: fifteen
    _cah("Lapwing", "OA", "hmc"), _cah("Linnet", "OA", "hmc"), _cah("Mallard", "OP", "gm"),
    _cah("Merlin", "OP", "h"), _cah("Osprey", "OR", "h"), _cah("Plover", "OR", "h"),
    _cah("Puffin", "S"), _cah("Redshank", "S"), _cah("Redwing", "I"), _cah("Robin", "I"),
    _cah("Sandpiper", "M", framework="SDS2"), _cah("Skylark", "M", framework="SDS2"),
    _cah("Swallow", "S"), _cah("Swift", "S", framework="BLOCK"), _cah("Thrush", "I"),
    # Received, its analysis not yet done (002 §3.6).
    _cah("Wren", "RO", "c", status=ANALYSIS_PENDING),
    # Not received: contacted and offered support to complete it (002 §3.5).
    _cah("Yellowhammer", status=NOT_RECEIVED),
)


def answers(partner: Partner, index: int) -> dict[str, Any]:
    """The partner's SAQ answers; the figures vary with `index` but never cross a threshold."""
    misses, flags = set(partner.misses), set(partner.flags)
    incidents = (12 + index % 5, 8 + index % 3) if "I" in misses else (6 + index % 4, 9 + index % 3)
    return {
        "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(),
        "six_monthly_reviews_up_to_date": "R" not in misses,
        "personal_outcomes_met_percent": _outcomes(misses, flags, index),
        "engagement_or_satisfaction_surveys_done": "S" not in misses,
        "incidents_this_period": incidents[0],
        "incidents_previous_period": incidents[1],
        "asp_training_percent": 60 + index % 15 if "A" in misses else 82 + index % 15,
        "supervisions_up_to_date_percent": str(Decimal(55 + index % 20) if "P" in misses
                                               else Decimal(160 + index % 31) / 2),
        "mandatory_training_up_to_date": "M" not in misses,
        "staffing": _staffing(flags),
        "management_changes": "m" in flags,
        "capacity_or_vacancy_concerns": "c" in flags,
        "comments": "COVID-19 restrictions and pressures affected the period" if misses else None,
    }


def _outcomes(misses: set[str], flags: set[str], index: int) -> int:
    if "O" in misses:
        return 50 + (index * 7) % 30
    return 90 if "n" in flags else 100


def _staffing(flags: set[str]) -> str:
    if "h" in flags:
        return StaffingLevel.SHORTAGES_NOT_LIMITING_SERVICE.value
    if "g" in flags:
        return StaffingLevel.AGENCY_STAFF_USED.value
    return StaffingLevel.NO_SHORTAGES.value
