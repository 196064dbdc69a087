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
    # or "text", "date", "radios" (a yes or no: the body's true or false), "choice" (one of
    # `choices`, its value sent as it is)
    kind: str = "textarea"
    hint: str = ""
    required: str = ""  # said when it is left empty
    choices: tuple[tuple[str, str], ...] = ()  # a radio's ("yes" or "no", what it says)

    def id(self, action: str) -> str:
        return f"{action}-{self.name.replace('_', '-').replace('.', '-')}"


@dataclass(frozen=True)
class Action:
    key: str  # in the console's address
    api: str  # after /escalation/interventions/{id}/
    heading: str
    intro: str
    button: str
    fields: tuple[Field, ...]
    done: Callable[[dict[str, Any]], str]
    warning: str = ""
    of: str = ""  # acts on one plan or notice, named in the form: a key of SUBJECTS
    # The name escalation gives the command in an intervention's `actions_now` when its rules
    # would accept it today: the form is offered only then (domain/casework.py decides).
    rule: str = ""
    more: bool = False  # less often needed: under "More actions"
    subject_in_body: str = ""  # the plan or notice goes in the body under this name, not the URL

    @property
    def subject_key(self) -> str:
        """The form's hidden input, and the API address's placeholder, naming it."""
        return "notice_id" if self.of.endswith("notice") else "plan_id"

    def offered(self, intervention: dict[str, Any], subject: dict[str, str] | None) -> bool:
        """Whether the form is shown: its rule accepts it today and what it acts on exists."""
        if self.rule and self.rule not in intervention.get("actions_now", ()):
            return False
        return not self.of or subject is not None


# A plan's first SMART action: specific, measurable, owned and timebound.
SMART_ACTION = (
    Field("actions.0.action", "Action", "text", "Specific: what the provider will do",
          "Enter the action"),
    Field("actions.0.owner", "Owner", "text", "Who is responsible for it",
          "Enter who owns the action"),
    Field("actions.0.measure", "Measure", "text", "How the council will know it is done",
          "Enter how the action is measured"),
    Field("actions.0.due", "Action due by", "date", "For example, 31 1 2027",
          "Enter the date the action is due"),
)

# 003's steps that are recorded as taken (the others each have a form of their own), in its words.
STEPS_TAKEN = ("feedback", "information sharing", "targeted communications", "reward",
               "advice and guidance", "training", "scheduled visit", "responsive visit",
               "contract management meeting", "contract review meeting", "risk assessment",
               "contract variation")
EVERY_STEP = (*STEPS_TAKEN, "improvement plan", "breach notice", "directed improvement plan",
              "suspension", "decommission")
ENGAGEMENT = (("engaging", "Engaging and responding"),
              ("engaging but not responding", "Engaging but not responding"),
              ("not engaging", "Not engaging"))
YES_NO = (("yes", "Yes"), ("no", "No"))


def _said(words: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((word, word[0].upper() + word[1:]) for word in words)


def _question(name: str, label: str) -> Field:
    return Field(name, label, "radios", "Leave unanswered for no", choices=YES_NO)


MORE_ACTIONS = (
    Action(
        "step-taken", "steps", "Record a step taken",
        "Feedback, advice, training, a visit, a meeting and the other steps of the ladder, "
        "recorded with the day they were taken.",
        "Record step",
        (Field("step", "Step taken", "choice", required="Select the step taken",
               choices=_said(STEPS_TAKEN)),
         Field("on", "Date taken", "date", "For example, 4 12 2026",
               "Enter the date the step was taken"),
         Field("notes", "Notes (optional)", hint="What was done and what was agreed")),
        lambda _: "Step recorded", more=True),
    Action(
        "engagement", "engagement", "Record the provider's engagement",
        "How the provider engages and responds. Not engaging can raise the intervention's level.",
        "Record engagement",
        (Field("engagement", "The provider is", "choice",
               required="Select how the provider is engaging", choices=ENGAGEMENT),
         Field("on", "Date", "date", "For example, 4 12 2026", "Enter the date"),
         Field("note", "Notes (optional)", hint="What shows it")),
        lambda _: "Engagement recorded", more=True),
    Action(
        "override", "override", "Override the policy's level or next step",
        "The proportionality policy sets the level and the next step. An officer may choose "
        "otherwise, saying why; the step must fit the level.",
        "Override policy",
        (Field("level", "Level", "choice", required="Select the level",
               choices=_said(("encourage", "enable", "enforce"))),
         Field("step", "Next step", "choice", required="Select the next step",
               choices=_said(EVERY_STEP)),
         Field("reason", "Why", required="Enter why you are overriding the policy")),
        lambda _: "Policy overridden", more=True),
    Action(
        "escalate", "escalate", "Escalate an issue",
        "Sends an issue up the council's routes: who is told depends on the answers below.",
        "Escalate issue",
        (Field("reason", "The issue", required="Enter the issue"),
         Field("on", "Date", "date", "For example, 4 12 2026", "Enter the date"),
         _question("significant", "Is it significant?"),
         _question("recurring", "Is it recurring?"),
         _question("persistent", "Is it persistent?"),
         _question("safety", "Is anyone's safety at risk?"),
         _question("serious_practice", "Is it a serious practice issue?"),
         _question("cswo_appropriate", "Should the Chief Social Work Officer be told?")),
        lambda _: "Issue escalated", more=True),
    Action(
        "directed-plan", "directed-plans", "Direct an improvement plan",
        "When a breach notice is not met, the council may direct its own plan: a further "
        "60 days, with SMART actions.",
        "Direct plan",
        (Field("directed_on", "Date directed", "date", "For example, 4 3 2027",
               "Enter the date the plan was directed"),
         *SMART_ACTION),
        lambda plan: f"Improvement plan directed: its targets are due by "
                     f"{uk_date(plan['targets_due'])}",
        of="unmet-notice", rule="directed-plan", more=True, subject_in_body="breach_notice_id"),
    Action(
        "chief-officer", "chief-officer", "Propose telling the Chief Officer",
        "The Head of Strategic Planning, a General Manager or the Chief Social Work Officer "
        "decides whether the Chief Officer is told.",
        "Propose telling the Chief Officer",
        (Field("reason", "Why", required="Enter why the Chief Officer should be told"),),
        lambda _: "Proposal made: a senior person decides",
        rule="chief-officer", more=True),
)


ACTIONS = {action.key: action for action in (
    Action(
        "improvement-plan", "improvement-plans", "Request an improvement plan",
        "The provider must send a plan with SMART actions within 10 working days. It is "
        "reviewed at 30 days and its targets must be met by 60 days, with at least one visit.",
        "Request improvement plan",
        (Field("requested_on", "Date requested", "date", "For example, 27 11 2026",
               "Enter the date the plan was requested"),),
        lambda plan: f"Improvement plan requested: it is due by {uk_date(plan['plan_due'])}",
        rule="improvement-plan"),
    Action(
        "plan-received", "improvement-plans/{plan_id}/received", "Record the plan received",
        "Record the provider's improvement plan with its first SMART action: what will be "
        "done, who owns it, how it is measured and when it is due. The 30-day review and the "
        "60-day targets count from the day the plan was requested.",
        "Record plan received",
        (Field("received_on", "Date received", "date", "For example, 4 12 2026",
               "Enter the date the plan was received"),
         *SMART_ACTION),
        lambda plan: f"Improvement plan received: it is reviewed by "
                     f"{uk_date(plan['review_due'])}",
        of="waiting-plan"),
    Action(
        "plan-review", "improvement-plans/{plan_id}/review", "Record the 30-day review",
        "At the review the council checks whether the plan's targets are on track to be met "
        "by 60 days.",
        "Record review",
        (Field("reviewed_on", "Date of the review", "date", "For example, 4 1 2027",
               "Enter the date of the review"),
         Field("on_track", "Are the targets on track?", "radios",
               required="Select whether the targets are on track",
               choices=(("yes", "Yes, on track"), ("no", "No, not on track"))),
         Field("notes", "Notes (optional)", hint="What was found at the review")),
        lambda plan: f"30-day review recorded on {uk_date(plan['reviewed_on'])}",
        of="received-plan"),
    Action(
        "plan-outcome", "improvement-plans/{plan_id}/outcome", "Record the plan's outcome",
        "Whether the plan's targets were met by 60 days. A plan not achieved opens the way "
        "to a breach notice.",
        "Record outcome",
        (Field("achieved", "Were the targets met?", "radios",
               required="Select whether the plan was achieved",
               choices=(("yes", "Achieved: the targets were met"),
                        ("no", "Not achieved: the targets were not met"))),
         Field("on", "Date decided", "date", "For example, 1 2 2027",
               "Enter the date the outcome was decided"),
         Field("notes", "Notes (optional)", hint="The evidence the decision rests on")),
        lambda plan: f"Improvement plan {plan['status']}",
        of="plan-in-progress"),
    Action(
        "breach-notice", "breach-notices", "Issue a breach notice",
        "A breach notice states the performance deficiency, the action required and the "
        "timescale. If it is not met, suspension or decommission is considered and the "
        "regulator is told.",
        "Issue breach notice",
        (Field("deficiency", "Performance deficiency", required="Enter the performance "
               "deficiency"),
         Field("action_required", "Action required", required="Enter the action required"),
         Field("comply_by", "Comply by", "date", "For example, 15 1 2027",
               "Enter the date the provider must comply by")),
        lambda notice: f"Breach notice issued: the provider must comply by "
                       f"{uk_date(notice['comply_by'])}",
        rule="breach-notice"),
    Action(
        "notice-met", "breach-notices/{notice_id}/met", "Record the breach notice met",
        "Record that the provider did what the notice required within its timescale.",
        "Record notice met",
        (Field("on", "Date met", "date", "For example, 10 1 2027",
               "Enter the date the notice was met"),),
        lambda _: "Breach notice recorded as met",
        of="issued-notice"),
    Action(
        "regulator-notified", "breach-notices/{notice_id}/regulator-notified",
        "Record the regulator notified",
        "A breach notice that was not met is reported to the regulator.",
        "Record regulator notified",
        (Field("regulator", "Regulator told", "text", "For example, Care Inspectorate",
               "Enter the regulator that was told"),
         Field("on", "Date told", "date", "For example, 18 3 2027",
               "Enter the date the regulator was told")),
        lambda notice: f"{notice['regulator_notified']} recorded as notified",
        of="failed-notice"),
    Action(
        "suspension", "suspension", "Propose suspension",
        "For sustained underperformance or non-compliance after a breach notice was not met. "
        "No new contracts or placements are awarded while the provider is suspended.",
        "Propose suspension",
        (Field("reason", "Why suspend the provider", required="Enter why you propose "
               "suspension"),
         Field("contingency_plan", "Contingency plan for the people the provider serves",
               required="Enter the contingency plan")),
        lambda _: "Suspension proposed: the Head of Strategic Planning, a General Manager or "
                  "the CSWO must approve it",
        warning="A second, senior person must approve a suspension before it takes effect.",
        rule="suspension"),
    Action(
        "decommission", "decommission", "Propose decommission",
        "Only when suspension has not fixed the issues. The provider's history must hold a "
        "meeting where the issues were raised and an improvement plan that was not achieved.",
        "Propose decommission",
        (Field("reason", "Why decommission the service", required="Enter why you propose "
               "decommission"),
         Field("continuity_plan", "Continuity plan for everyone affected",
               required="Enter the continuity plan")),
        lambda _: "Decommission proposed: the Head of Strategic Planning, a General Manager "
                  "or the CSWO must approve it",
        warning="A second, senior person must approve a decommission before it takes effect.",
        more=True),
    Action(
        "close", "close", "Close the intervention",
        "Close the intervention once no improvement plan or breach notice is outstanding.",
        "Close intervention",
        (Field("reason", "Why close the intervention", required="Enter why the intervention "
               "is closing"),),
        lambda _: "Intervention closed",
        rule="close"),
    *MORE_ACTIONS,
)}


def _plans(*statuses: str) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    return lambda i: [p for p in i["improvement_plans"] if p["status"] in statuses]


def _notices(status: str) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    return lambda i: [n for n in i["breach_notices"]
                      if n["status"] == status and not n["regulator_notified"]]


# What each form acts on, so it is shown only when it applies: the latest one that qualifies.
SUBJECTS: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "waiting-plan": lambda i: [p for p in _plans("requested")(i) if p["plan_due"]],
    "received-plan": lambda i: [p for p in _plans("received")(i) if not p["reviewed_on"]],
    "plan-in-progress": _plans("requested", "received"),
    "issued-notice": _notices("issued"),
    "failed-notice": _notices("failed"),
    "unmet-notice": lambda i: [n for n in i["breach_notices"] if n["status"] != "met"],
}


def subject(action: Action, intervention: dict[str, Any]) -> dict[str, str] | None:
    """The plan or notice the action's form names (its id and a line saying which), or None
    when the action is not for one or none qualifies."""
    if not action.of:
        return None
    found = SUBJECTS[action.of](intervention)
    if not found:
        return None
    item = found[-1]
    if action.subject_key == "notice_id":
        said = (f"The breach notice issued on {uk_date(item['issued_on'])}, to comply by "
                f"{uk_date(item['comply_by'])}.")
    else:
        said = f"The plan asked for on {uk_date(item['requested_on'])}, " + (
            f"received on {uk_date(item['received_on'])}, its targets to be met by "
            f"{uk_date(item['targets_due'])}."
            if item["received_on"] else f"due by {uk_date(item['plan_due'])}.")
    return {"name": action.subject_key, "id": str(item[action.subject_key]), "text": said}


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
        if item.kind == "date" and (item.name == "on" or item.name.endswith("_on")):
            typed |= {f"{item.id(action.key)}-day": str(today.day),
                      f"{item.id(action.key)}-month": str(today.month),
                      f"{item.id(action.key)}-year": str(today.year)}
    return typed


def read(action: Action, form: Mapping[str, str]) -> Answers:
    # Who acts is not in the body: the API records the signed-in person from their token.
    answers = Answers({k: str(v) for k, v in form.items()}, {}, {}, {})
    for item in action.fields:
        ident = item.id(action.key)
        answers.hrefs[item.name] = f"{ident}-day" if item.kind == "date" else ident
        if item.kind == "date":
            _read_date(item, ident, answers)
            continue
        if item.kind in ("radios", "choice"):
            _read_choice(item, ident, answers)
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


def _read_choice(item: Field, ident: str, answers: Answers) -> None:
    """A yes or no ("radios") is the body's true or false; a "choice" is the value chosen.
    An optional question left unanswered is left out (the API takes it as no)."""
    chosen = answers.typed.get(ident, "")
    if chosen not in {value for value, _ in item.choices}:
        if item.required:
            answers.problems[item.name] = item.required
        return
    put(answers.body, item.name, chosen == "yes" if item.kind == "radios" else chosen)


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
