"""The intervention actions an officer takes from the console, as GOV.UK forms: what each asks,
how a typed answer becomes the API's request body, and each bad answer said as GOV.UK says it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assure.console.rendering import uk_date


@dataclass(frozen=True)
class Field:
    name: str  # its path in the API's request body: "reason", "actions.0.owner"
    label: str
    kind: str = "textarea"  # or "text", "date"
    hint: str = ""
    required: str = ""  # said when it is left empty

    def id(self, action: str) -> str:
        return f"{action}-{self.name.replace('_', '-').replace('.', '-')}"


@dataclass(frozen=True)
class Action:
    key: str  # in the console's address
    api: str  # after /escalation/interventions/{id}/
    heading: str
    intro: str
    button: str
    actor: str  # filled with the signed-in person's name
    fields: tuple[Field, ...]
    done: Callable[[dict[str, Any]], str]
    warning: str = ""
    of_plan: bool = False  # acts on the plan waiting to be received, named in the form


ACTIONS = {action.key: action for action in (
    Action(
        "improvement-plan", "improvement-plans", "Request an improvement plan",
        "The provider must send a plan with SMART actions within 10 working days. It is "
        "reviewed at 30 days and its targets must be met by 60 days, with at least one visit.",
        "Request improvement plan", "requested_by",
        (Field("requested_on", "Date requested", "date", "For example, 27 11 2026",
               "Enter the date the plan was requested"),),
        lambda plan: f"Improvement plan requested: it is due by {uk_date(plan['plan_due'])}"),
    Action(
        "plan-received", "improvement-plans/{plan_id}/received", "Record the plan received",
        "Record the provider's improvement plan with its first SMART action: what will be "
        "done, who owns it, how it is measured and when it is due. The 30-day review and the "
        "60-day targets count from the day the plan was requested.",
        "Record plan received", "received_by",
        (Field("received_on", "Date received", "date", "For example, 4 12 2026",
               "Enter the date the plan was received"),
         Field("actions.0.action", "Action", "text", "Specific: what the provider will do",
               "Enter the action"),
         Field("actions.0.owner", "Owner", "text", "Who is responsible for it",
               "Enter who owns the action"),
         Field("actions.0.measure", "Measure", "text", "How the council will know it is done",
               "Enter how the action is measured"),
         Field("actions.0.due", "Action due by", "date", "For example, 31 1 2027",
               "Enter the date the action is due")),
        lambda plan: f"Improvement plan received: it is reviewed by "
                     f"{uk_date(plan['review_due'])}",
        of_plan=True),
    Action(
        "breach-notice", "breach-notices", "Issue a breach notice",
        "A breach notice states the performance deficiency, the action required and the "
        "timescale. If it is not met, suspension or decommission is considered and the "
        "regulator is told.",
        "Issue breach notice", "issued_by",
        (Field("deficiency", "Performance deficiency", required="Enter the performance "
               "deficiency"),
         Field("action_required", "Action required", required="Enter the action required"),
         Field("comply_by", "Comply by", "date", "For example, 15 1 2027",
               "Enter the date the provider must comply by")),
        lambda notice: f"Breach notice issued: the provider must comply by "
                       f"{uk_date(notice['comply_by'])}"),
    Action(
        "suspension", "suspension", "Propose suspension",
        "For sustained underperformance or non-compliance after a breach notice was not met. "
        "No new contracts or placements are awarded while the provider is suspended.",
        "Propose suspension", "proposed_by",
        (Field("reason", "Why suspend the provider", required="Enter why you propose "
               "suspension"),
         Field("contingency_plan", "Contingency plan for the people the provider serves",
               required="Enter the contingency plan")),
        lambda _: "Suspension proposed: the Head of Strategic Planning, a General Manager or "
                  "the CSWO must approve it",
        warning="A second, senior person must approve a suspension before it takes effect."),
    Action(
        "decommission", "decommission", "Propose decommission",
        "Only when suspension has not fixed the issues. The provider's history must hold a "
        "meeting where the issues were raised and an improvement plan that was not achieved.",
        "Propose decommission", "proposed_by",
        (Field("reason", "Why decommission the service", required="Enter why you propose "
               "decommission"),
         Field("continuity_plan", "Continuity plan for everyone affected",
               required="Enter the continuity plan")),
        lambda _: "Decommission proposed: the Head of Strategic Planning, a General Manager "
                  "or the CSWO must approve it",
        warning="A second, senior person must approve a decommission before it takes effect."),
    Action(
        "close", "close", "Close the intervention",
        "Close the intervention once no improvement plan or breach notice is outstanding.",
        "Close intervention", "closed_by",
        (Field("reason", "Why close the intervention", required="Enter why the intervention "
               "is closing"),),
        lambda _: "Intervention closed"),
)}


@dataclass
class Answers:
    """What was typed (to show again) and what the API is sent, with each problem by the id
    of the input the error summary links to."""

    typed: dict[str, str]
    body: dict[str, Any]
    problems: dict[str, str]  # field name -> message
    hrefs: dict[str, str]  # field name -> input id
    missing: dict[str, list[str]] = field(default_factory=dict)  # a date's parts left out

    def errors(self) -> list[dict[str, str]]:
        return [{"text": text, "href": f"#{self.hrefs[name]}"}
                for name, text in self.problems.items()]


def blank(action: Action, today: date) -> dict[str, str]:
    """A new form: dates start at today (a breach notice's timescale is the officer's)."""
    typed: dict[str, str] = {}
    for item in action.fields:
        if item.kind == "date" and item.name.endswith("_on"):
            typed |= {f"{item.id(action.key)}-day": str(today.day),
                      f"{item.id(action.key)}-month": str(today.month),
                      f"{item.id(action.key)}-year": str(today.year)}
    return typed


def read(action: Action, form: Mapping[str, str], by: str) -> Answers:
    answers = Answers({k: str(v) for k, v in form.items()}, {action.actor: by}, {}, {})
    for item in action.fields:
        ident = item.id(action.key)
        answers.hrefs[item.name] = f"{ident}-day" if item.kind == "date" else ident
        if item.kind == "date":
            _read_date(item, ident, answers)
            continue
        text = answers.typed.get(ident, "").strip()
        if not text and item.required:
            answers.problems[item.name] = item.required
        put(answers.body, item.name, text)
    return answers


def put(body: dict[str, Any], path: str, value: Any) -> None:
    """Sets "actions.0.owner" in a body as {"actions": [{"owner": …}]}."""
    keys = path.split(".")
    last = keys[-1]
    here: Any = body
    for part, after in zip(keys, keys[1:], strict=False):  # each key but the last
        empty: Any = [] if after.isdigit() else {}
        if isinstance(here, list):
            while len(here) <= int(part):
                here.append(empty)
            here = here[int(part)]
        else:
            here = here.setdefault(part, empty)
    if isinstance(here, list):
        here.append(value)
    else:
        here[last] = value


PARTS = ("day", "month", "year")


def _read_date(item: Field, ident: str, answers: Answers) -> None:
    parts = {part: answers.typed.get(f"{ident}-{part}", "").strip() for part in PARTS}
    missing = [part for part in PARTS if not parts[part]]
    if len(missing) == len(PARTS):
        if item.required:  # an optional date left out is left to the API's default
            answers.problems[item.name] = item.required
        return
    if missing:
        answers.problems[item.name] = f"{item.label} must include a {missing[0]}"
        answers.hrefs[item.name] = f"{ident}-{missing[0]}"
        answers.missing[item.name] = missing
        return
    try:
        day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        answers.problems[item.name] = f"{item.label} must be a real date"
        return
    put(answers.body, item.name, day.isoformat())


def refusal(action: Action, answers: Answers, problems: dict[str, str]) -> None:
    """What the API refused, by the field it names; anything else against the first field."""
    names = {item.name for item in action.fields}
    first = action.fields[0].name
    for path, message in problems.items():
        target = path if path in names else first
        answers.problems.setdefault(target, message)
        if target == first and target not in answers.hrefs:
            answers.hrefs[target] = action.fields[0].id(action.key)
