"""The console's words for machine words (issue 18): ids as names, form ids as titles, ISO dates
as UK dates, slugs as people say them, UUIDs and document references left out; and a
provider's history as sentences with notify's delivery steps gathered into folds."""

from __future__ import annotations

from assure.console import refusal_in_words
from assure.console.as_at import facts
from assure.console.client import ApiError
from assure.console.history import sentence, told
from assure.console.plain_words import Plain, who_name

OAKWOOD = Plain({"demo-oakwood": "Oakwood Care at Home"})


def entry(service: str, aggregate: str, event: str, who: str | None = None,
          why: str | None = None, **data: object) -> dict[str, object]:
    return {"service": service, "aggregate": aggregate, "event": event, "who": who, "why": why,
            "time": "2026-12-06T15:04:05+00:00", "data": data}


def test_free_text_names_the_provider_and_drops_what_is_for_machines():
    said = OAKWOOD.text("Approval needed: breach notice for provider demo-oakwood. Escalation "
                        "reference 5b798ff9-621f-51db-99df-68492890f4b9. Due 2027-01-18, "
                        "on the cmr-level-1 (§8) (004 App. 4 §9) as 003 row 13 says")
    assert said == ("Approval needed: breach notice for Oakwood Care at Home. Due 18 January "
                    "2027, on the Contract monitoring return (LEVEL 1) as says")


def test_recipients_roles_and_policies_read_as_people_say_them():
    assert OAKWOOD.recipient("provider-demo-oakwood") == "Oakwood Care at Home’s users"
    assert OAKWOOD.recipient("head-of-strategic-planning") == "the Head of Strategic Planning"
    assert OAKWOOD.value("role", "head_of_strategic_planning") == "Head of Strategic Planning"
    assert OAKWOOD.value("service_type", "care-at-home") == "care at home"
    assert who_name("assure:proportionality-policy") == "Assure’s proportionality policy"
    assert who_name(None) == "Assure"


def test_an_event_reads_as_a_sentence_and_one_not_known_yet_still_reads_in_words():
    approved = entry("escalation", "Escalation", "Approved", "Morag Campbell",
                     intervention_id="fdcf8318-683a-57a5-8f03-dde4c2fc400c",
                     step="breach notice", role="head_of_strategic_planning")
    assert sentence(approved, OAKWOOD) == "Morag Campbell approved the breach notice."
    unknown = entry("intake", "RegulatorStanding", "GradesRecorded", "Jo Officer",
                    standing_id="0d1c2b3a-0000-5000-8000-000000000001", graded_on="2026-10-01",
                    regulator="care-inspectorate")
    assert sentence(unknown, OAKWOOD) == (
        "Jo Officer recorded: Regulator standing grades recorded (graded on: 1 October 2026; "
        "regulator: the Care Inspectorate).")


def test_delivery_steps_between_two_events_are_gathered_into_one_fold():
    history = [
        entry("escalation", "Escalation", "Approved", "Morag Campbell", step="breach notice"),
        entry("notify", "Notification", "Delivered", recipient="contract-manager",
              channel="in-app", subject="Approved: breach notice for provider demo-oakwood"),
        entry("notify", "Delivery", "Queued", recipient="contract-manager", channel="email",
              subject="Approved: breach notice for provider demo-oakwood"),
        entry("notify", "Delivery", "Sent", about={"recipient": "contract-manager",
                                                  "channel": "email"}),
        entry("notify", "ReturnReminders", "Closed", why="submitted", reason="submitted"),
    ]
    read = told(history, OAKWOOD, str)
    assert [len(item.get("steps", [])) for item in read] == [0, 3, 0]
    assert [step["sentence"] for step in read[1]["steps"]] == [
        "Assure told the contract manager in Assure: “Approved: breach notice for Oakwood Care "
        "at Home”.",
        "Assure queued a message to the contract manager by e-mail: “Approved: breach notice "
        "for Oakwood Care at Home”.",
        "Assure sent the message to the contract manager by e-mail."]
    assert read[2] == {"time": history[4]["time"], "sentence": "Assure stopped the reminders.",
                       "why": "submitted"}


def test_the_state_as_at_a_date_is_facts_in_words():
    rows = facts({"provider": {"name": "Oakwood Care at Home", "suspended": False},
                  "returns_owed": [{"contract_reference": "OAKWOOD-2025", "form": "kpi",
                                    "period_start": "2026-10-01", "period_end": "2026-12-31",
                                    "due_on": "2027-01-18", "status": "overdue"}],
                  "something_new": [{"case_id": "0d1c2b3a-0000-5000-8000-000000000001",
                                     "opened_on": "2026-11-03", "kind": "site-visit"}]},
                 OAKWOOD)
    assert [(row["key"]["text"], str(row["value"]["html"])) for row in rows] == [
        ("Provider", "Oakwood Care at Home, not suspended"),
        ("Returns owed", "KPI return for 1 October 2026 to 31 December 2026 on contract "
                         "OAKWOOD-2025, due 18 January 2027: overdue"),
        ("Something new", "opened on: 3 November 2026; kind: site visit")]


def test_a_refusal_says_what_it_means_not_which_route_or_record():
    route = ApiError(403, "a provider user may not GET /escalation/interventions/{intervention_id}")
    assert refusal_in_words(route, None) == ("You do not have access to this page. If you need "
                                             "it for your work, ask an administrator.")
    missing = ApiError(404, "intervention fdcf8318-683a-57a5-8f03-dde4c2fc400c was not found")
    assert refusal_in_words(missing, None) == "intervention was not found"
