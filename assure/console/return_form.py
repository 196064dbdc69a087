"""A return form as GOV.UK components, read from the form's JSON schema (GET /intake/forms/x).

Each answer becomes one field: radios for ratings, yes/no and other choices, a date input
for dates, a textarea for long text and lists, a text input otherwise. The posted fields are
put back into the answers the API expects; what the API refuses (422, by dotted path) is put
beside the field it names. Nothing here judges an answer: the form's own rules, in intake, do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assure.console.rendering import humanise

FORM_TITLES = {
    "cmr-level-1": "Contract monitoring return (LEVEL 1)",
    "return-level-2": "Provider monitoring return (LEVEL 2)",
    "return-level-3": "Annual monitoring form (LEVEL 3)",
    "kpi": "KPI return",
    "self-assessment": "Light-touch self-assessment",
}
# The monitoring meeting record numbers its sections (004 App. 3).
SECTION_NUMBERS = {
    "introduction_and_matters_arising": "1", "service_users_and_care_plans": "2a",
    "reviews": "2b", "incidents_and_accidents": "2c", "satisfaction_surveys": "3",
    "comments_compliments_complaints": "4", "adult_support_and_protection": "5",
    "staffing": "6a", "supervision_and_appraisal": "6b", "mandatory_training": "6c",
    "safer_recruitment": "6d", "care_inspectorate_findings": "7", "observations": "8",
}
WORDS = {"asp": "ASP", "pvg": "PVG", "sssc": "SSSC", "kpi": "KPI", "gp": "GP", "cqc": "CQC",
         "kpi1": "KPI1", "kpi2": "KPI2", "kpi3": "KPI3", "kpi4": "KPI4", "kpi5": "KPI5",
         "kpi6": "KPI6"}
HIDDEN = ("period_start", "period_end")
LONG_TEXT = 200  # longer answers get a textarea


def form_title(form: str) -> str:
    return FORM_TITLES.get(form, humanise(form))


def label_of(name: str) -> str:
    words = [WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


@dataclass
class Field:
    """One answer on the page: where it sits in the answers, and how it is asked."""

    path: str  # dotted, as the API names it: finance.income, notable_incidents.0.summary
    kind: str  # text, textarea, lines, number, whole, date, choice, yes_no
    label: str
    section: str
    hint: str | None = None
    choices: tuple[str, ...] = ()
    required: bool = False

    @property
    def id(self) -> str:
        return self.path.replace(".", "-")

    @property
    def items(self) -> list[dict[str, str]]:
        """The choices as radios or checkboxes offer them."""
        if self.kind == "yes_no":
            return [{"value": "yes", "text": "Yes"}, {"value": "no", "text": "No"}]
        return [{"value": c, "text": humanise(c)} for c in self.choices]

    @property
    def href(self) -> str:
        """Where the error summary's link takes the person: the field's first input."""
        return f"#{self.id}-day" if self.kind == "date" else f"#{self.id}"


@dataclass
class Group:
    """A fieldset of the form: a section, or one item of a repeated list within it."""

    path: str
    title: str
    hint: str | None
    fields: list[Field] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    level: int = 2


class Schema:
    """A form's JSON schema, walked into groups of fields."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.defs = schema.get("$defs", {})

    def groups(self, slots: dict[str, int]) -> list[Group]:
        """The form's sections; `slots` says how many items each repeated list shows."""
        top = Group("", "", None)
        self._object(self.schema, "", top, "", slots, required=True)
        loose = [f for f in top.fields if f.path not in HIDDEN]
        if loose:  # answers at the top level (a signature, say) get a section of their own
            top.groups.insert(0, Group("about", "About this return", None, loose))
        return top.groups

    def _resolve(self, node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The node itself (a $ref followed) and whether it may be left out (null allowed)."""
        nullable = False
        options = node.get("anyOf")
        if options and any(o.get("type") == "null" for o in options):
            rest = [o for o in options if o.get("type") != "null"]
            nullable = True
            base = {k: v for k, v in node.items() if k != "anyOf"}
            node = {**base, **rest[0]} if len(rest) == 1 else {**base, "anyOf": rest}
        if "$ref" in node:
            node = {**self.defs[node["$ref"].split("/")[-1]], **{
                k: v for k, v in node.items() if k not in ("$ref",)}}
        return node, nullable

    def _object(self, node: dict[str, Any], path: str, into: Group, section: str,
                slots: dict[str, int], required: bool) -> None:
        needed = set(node.get("required", ())) if required else set()
        # A section's own answers first, then the notes beside them and the rating they earn.
        last = ("notes", "rating")
        properties = sorted(node.get("properties", {}).items(),
                            key=lambda item: last.index(item[0]) + 1 if item[0] in last else 0)
        for name, child in properties:
            self._member(name, child, _join(path, name), into, section, slots,
                         name in needed)

    def _member(self, name: str, raw: dict[str, Any], path: str, into: Group, section: str,
                slots: dict[str, int], required: bool) -> None:
        node, nullable = self._resolve(raw)
        hint = raw.get("description") or node.get("description")
        if node.get("type") == "object" and "properties" in node:
            title = label_of(name)
            if not section:
                number = SECTION_NUMBERS.get(name)
                title = f"{number}. {title}" if number else title
            group = Group(path, title + (" (optional)" if nullable else ""), hint,
                          level=2 if not section else 3)
            self._object(node, path, group, section or title, slots, required and not nullable)
            into.groups.append(group)
            return
        items = self._resolve(node["items"])[0] if node.get("type") == "array" else {}
        if items.get("type") == "object":
            self._repeated(name, node, path, into, section, slots)
            return
        if "enum" in items:
            node = {**node, "enum": items["enum"], "several": True}
        into.fields.append(self._field(name, node, path, section, hint,
                                       required and not nullable and "default" not in raw))

    def _repeated(self, name: str, node: dict[str, Any], path: str, into: Group, section: str,
                  slots: dict[str, int]) -> None:
        item, _ = self._resolve(node["items"])
        count = max(slots.get(path, 0), node.get("minItems", 0), 1)
        for index in range(count):
            group = Group(f"{path}.{index}", f"{label_of(name)}: item {index + 1}",
                          "Leave an item empty if you have nothing to add.", level=3)
            self._object(item, f"{path}.{index}", group, section, slots, required=False)
            into.groups.append(group)

    @staticmethod
    def _field(name: str, node: dict[str, Any], path: str, section: str, hint: str | None,
               required: bool) -> Field:
        kind, choices = _kind(node)
        if kind == "lines":
            hint = "One to a line." + (f" {hint}" if hint else "")
        return Field(path, kind, label_of(name), section, hint, choices, required)


def _kind(node: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    if "enum" in node:
        return "several" if node.get("several") else "choice", tuple(node["enum"])
    kind = node.get("type")
    if kind == "boolean":
        return "yes_no", ("yes", "no")
    if kind == "integer":
        return "whole", ()
    if kind == "number" or "anyOf" in node:
        return "number", ()
    if kind == "array":
        return "lines", ()
    if node.get("format") == "date":
        return "date", ()
    if node.get("maxLength", 5000) > LONG_TEXT:
        return "textarea", ()
    return "text", ()


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def fields_of(groups: list[Group]) -> list[Field]:
    found: list[Field] = []
    for group in groups:
        found += group.fields
        found += fields_of(group.groups)
    return found


# Answers to the page and back ----------------------------------------------------------------


def slots_in_answers(answers: Any, path: str = "") -> dict[str, int]:
    """How many items each repeated list has in the answers, plus one empty to add."""
    found: dict[str, int] = {}
    if isinstance(answers, dict):
        for name, value in answers.items():
            found.update(slots_in_answers(value, _join(path, name)))
    elif isinstance(answers, list) and any(isinstance(v, dict) for v in answers):
        found[path] = len(answers) + 1
        for index, value in enumerate(answers):
            found.update(slots_in_answers(value, f"{path}.{index}"))
    return found


def slots_in_post(posted: dict[str, Any]) -> dict[str, int]:
    """How many items each repeated list had on the page that was sent."""
    found: dict[str, int] = {}
    for name in posted:
        for match in re.finditer(r"\.(\d+)(?=\.)", name):
            list_path = name[:match.start()]
            found[list_path] = max(found.get(list_path, 0), int(match.group(1)) + 1)
    return found


def value_at(answers: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(answers, dict):
            answers = answers.get(part)
        elif isinstance(answers, list) and part.isdigit() and int(part) < len(answers):
            answers = answers[int(part)]
        else:
            return None
    return answers


def shown(f: Field, answers: dict[str, Any]) -> Any:
    """The field's value as the page shows it."""
    value = value_at(answers, f.path)
    if value is None:
        return {} if f.kind == "date" else ""
    if f.kind == "yes_no":
        return {True: "yes", False: "no"}.get(value, str(value))
    if f.kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if f.kind == "several":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if f.kind == "date":
        year, _, rest = str(value).partition("-")
        month, _, day = rest.partition("-")
        return {"day": day.lstrip("0") if day.isdigit() else day,
                "month": month.lstrip("0") if month.isdigit() else month, "year": year}
    return str(value)


def answers_from(groups: list[Group], posted: dict[str, Any]) -> dict[str, Any]:
    """The answers the page sent, as the API reads them; a blank answer is left out, so the
    form's rules say what is missing, and an answer that is not a number stays as typed."""
    answers: dict[str, Any] = {name: posted[name] for name in HIDDEN if posted.get(name)}
    for f in fields_of(groups):
        value = _read(f, posted)
        if value is not None:
            _put(answers, f.path, value)
    return _compact(answers)


def _read(f: Field, posted: dict[str, str]) -> Any:
    if f.kind == "date":
        parts = [posted.get(f"{f.path}.{p}", "").strip() for p in ("year", "month", "day")]
        if not any(parts):
            return None
        if all(p.isdigit() for p in parts):
            year, month, day = (int(p) for p in parts)
            return f"{year:04d}-{month:02d}-{day:02d}"
        return "-".join(parts)
    if f.kind == "several":  # ticked boxes; none ticked is an answer too
        ticked = posted.get(f.path, [])
        return [ticked] if isinstance(ticked, str) else list(ticked)
    text = str(posted.get(f.path, "")).strip()
    if f.kind == "lines":  # a list left empty is an answer: "none"
        return [line.strip() for line in text.splitlines() if line.strip()]
    if not text:
        return None
    if f.kind == "yes_no":
        return {"yes": True, "no": False}.get(text, text)
    if f.kind == "whole":
        return int(text) if re.fullmatch(r"-?\d+", text.replace(",", "")) else text
    if f.kind == "number":
        return text.replace(",", "").removeprefix("£")
    return posted.get(f.path, "")


def _put(answers: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node: Any = answers
    for part, following in zip(parts, parts[1:], strict=False):
        key: Any = int(part) if part.isdigit() else part
        if isinstance(node, list):
            while len(node) <= key:
                node.append(None)
            if node[key] is None:
                node[key] = [] if following.isdigit() else {}
            node = node[key]
        else:
            node = node.setdefault(key, [] if following.isdigit() else {})
    last = parts[-1]
    node[last] = value


def _compact(value: Any) -> Any:
    """Empty items of a repeated list dropped; the list itself kept, even if empty."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value if v not in (None, {}, [])]
    return value


# What the API refused, beside each field ------------------------------------------------------

PHRASES = (
    (r"^Field required$", "{verb} {lower}"),
    (r"valid integer", "{label} must be a whole number, like 12"),
    (r"valid (decimal|number)", "{label} must be a number, like 12.5"),
    (r"valid date|date in the format", "{label} must be a real date"),
    (r"greater than or equal to (\S+)", "{label} must be {0} or more"),
    (r"less than or equal to (\S+)", "{label} must be {0} or less"),
    (r"at least 1 character", "Enter {lower}"),
    (r"at most (\d+) characters", "{label} must be {0} characters or fewer"),
    (r"^Input should be '.*'", "Select {lower}"),
    (r"valid boolean", "Select yes or no for {lower}"),
)


def field_for(fields: list[Field], path: str) -> Field | None:
    """The field an error's path names: itself, the field it is inside of (a union's member),
    or the first field inside it (a whole section or list)."""
    path = path.removeprefix("answers.")
    by_path = {f.path: f for f in fields}
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        found = by_path.get(".".join(parts[:end]))
        if found:
            return found
    return next((f for f in fields if f.path.startswith(path + ".")), None)


def message_for(f: Field, api_message: str) -> str:
    """The API's words as a GOV.UK error message naming the answer and its section."""
    verb = "Select" if f.kind in ("choice", "yes_no", "several") else "Enter"
    words = {"label": f.label, "lower": f.label.lower(), "verb": verb}
    for pattern, phrase in PHRASES:
        match = re.search(pattern, api_message)
        if match:
            text = phrase.format(*match.groups(), **words)
            break
    else:
        text = f"{f.label}: {api_message[:1].lower()}{api_message[1:]}"
    return f"{f.section}: {text[:1].lower()}{text[1:]}" if f.section else text


def problems_on(fields: list[Field], problems: dict[str, str]) -> tuple[dict[str, str],
                                                                       list[dict[str, str]]]:
    """Each refused answer's message by field path, and the error summary's list, in the
    order the fields come on the page."""
    messages: dict[str, str] = {}
    loose = []
    for path, text in problems.items():
        found = field_for(fields, path)
        if found is None:
            loose.append({"text": text, "href": f"#{fields[0].id}" if fields else "#main"})
        elif found.path not in messages:
            messages[found.path] = message_for(found, text)
    ordered = [{"text": messages[f.path], "href": f.href} for f in fields if f.path in messages]
    return messages, loose + ordered
