"""The default wording of every message, as `string.Template` text in plain English, worded for
its reader: the provider's own users, or the council's staff (officers, contract managers,
operations, managers).

A template is found by "<EventType>@<role>" for one role ("<EventType>@provider" for a provider's
own users), else "<EventType>@council" for any of the council's staff, else "<EventType>", else
the generic wording in messages.py. The defaults give each event its staff wording under
"<EventType>" and its provider wording under "<EventType>@provider", so a council that rewords
"<EventType>" in its configuration rewords what its staff read. Provider wording speaks to the
provider ("your return") and leaves out what only the council needs: who reported or decided
something, internal reasons. Staff wording names the provider and says what the provider was
asked, never what the provider is asked to do. Both name the provider (by its registered name,
`${provider}`, when notify knows it) and a return's period where the event carries one. None
names a record by its id (a concern's, an intervention's, a notice's): staff are told where the
matter is in Assure, in the words of its menus, and providers whom to ask.
Placeholders are the event's fields (dates already in UK form) and those messages.py adds.
"""

from __future__ import annotations

from services.notify.domain.config import MessageTemplate as T
from services.notify.domain.rules import PROVIDER

ASK = "Your contract manager will contact you about what happens next."
QUESTIONS = "Your contract manager can answer any questions about it."
# Where the council's staff find the matter in Assure, in the words of its menus and pages. A
# message names no record by its id (issue 18: no UUIDs or raw ids in what a person reads): an
# e-mail carries the event's id in its headers (X-Assure-Event-Id), for machines.
PROVIDER_PAGE = "In Assure: Providers, then ${provider}"
AT_ISSUES = PROVIDER_PAGE + ", under Issues and risk log."
AT_INTERVENTIONS = PROVIDER_PAGE + ", under Interventions."
AT_TIMELINE = PROVIDER_PAGE + ", under Timeline."
AT_REPORTS = PROVIDER_PAGE + ", then Monitoring reports."
AT_APPROVALS = "To approve or reject it in Assure: Approvals."
# And the provider's own users, in their part of Assure.
YOUR_ACTIONS = "Your open improvement-plan actions are on your returns page in Assure."
YOUR_REPORTS = "The report and your reply are under Monitoring reports in Assure."


def worded(event: str, council: T, provider: T) -> dict[str, T]:
    """An event's wording for the council's staff and for the provider's own users."""
    return {event: council, f"{event}@{PROVIDER}": provider}


RETURNS = {
    **worded(
        "ReturnRequested",
        council=T("Return requested from ${provider} for contract ${contract_reference}: "
                  "due ${due_on}",
                  "${Provider} was sent its ${form_name} for ${period} on contract "
                  "${contract_reference}, due on ${due_on}."),
        provider=T("Return requested for contract ${contract_reference}: due ${due_on}",
                   "Please send your ${form_name} for ${period} by ${due_on}. "
                   "The form and a worked example are on your return page."),
    ),
    **worded(
        "ReturnDueSoon",
        council=T("Return from ${provider} due in ${days_words} for contract "
                  "${contract_reference}",
                  "${Provider}'s ${form_name} for ${period} on contract ${contract_reference} is "
                  "due on ${due_on} and has not been received yet. The provider was reminded."),
        provider=T("Reminder: return due in ${days_words} for contract ${contract_reference}",
                   "Your ${form_name} for ${period} is due on ${due_on}. If you have sent it "
                   "already, thank you, and please ignore this reminder."),
    ),
    **worded(
        "ReturnOverdue",
        council=T("Return overdue from ${provider} for contract ${contract_reference}",
                  "${Provider}'s ${form_name}${for_period} on contract ${contract_reference} was "
                  "due on ${due_on} and has not been received. The provider was reminded to send "
                  "it or say why not."),
        provider=T("Reminder: return overdue for contract ${contract_reference}",
                   "Your ${form_name}${for_period} was due on ${due_on} and has not been "
                   "received. Please send it as soon as you can, or tell your contract manager "
                   "why not."),
    ),
    **worded(
        "IntelligenceRequested",
        council=T("Intelligence requested: monitoring of ${provider}",
                  "The contract monitoring team is preparing to review the ${form_name} of "
                  "${provider}${for_period} for contract ${contract_reference}, due on "
                  "${due_on}. Please send the team any intelligence you hold about the provider "
                  "(concerns, complaints, adult support and protection matters, good practice) "
                  "before then."),
        provider=T("Monitoring of ${provider}: contract ${contract_reference}",
                   "The council is preparing to review your ${form_name}${for_period}, due on "
                   "${due_on}."),
    ),
}

CONCERNS = {
    **worded(
        "ConcernRaised",
        council=T("${safety_warning}Concern raised about ${provider}",
                  "${safety_warning}A ${severity} ${category} concern about ${provider} was "
                  "raised from ${source}: ${summary}. " + AT_ISSUES),
        provider=T("Concern raised about ${provider}",
                   "The council has recorded a ${category} concern about your service. " + ASK),
    ),
    **worded(
        "ConcernRecurred",
        council=T("${safety_warning}Concern came up again about ${provider}",
                  "${safety_warning}The ${severity} ${category} concern about ${provider} came "
                  "up again from ${source} (raised ${occurrences_words} now): ${summary}. It is "
                  "one concern, updated with the new evidence. " + AT_ISSUES),
        provider=T("Concern came up again about ${provider}",
                   "A ${category} concern the council holds about your service came up again. "
                   + ASK),
    ),
}

ESCALATIONS = {
    **worded(
        "EscalationProposed",
        council=T("Approval needed: ${step} for ${provider}",
                  "${proposer} proposed a ${step} for ${provider} (${reason}). A second, "
                  "authorised person must approve or reject it. " + AT_APPROVALS),
        provider=T("A step is being considered for ${provider}",
                   "The council is considering a ${step}; no decision has been made. " + ASK),
    ),
    **worded(
        "EscalationApproved",
        council=T("Approved: ${step} for ${provider}",
                  "${approved_by} (${approver_role}) approved the ${step} for ${provider}. "
                  + AT_INTERVENTIONS),
        provider=T("Decided: ${step} for ${provider}",
                   "The council has decided on a ${step}. " + ASK),
    ),
    **worded(
        "EscalationRejected",
        council=T("Rejected: proposed escalation for ${provider}",
                  "${rejected_by} rejected the proposed escalation for ${provider}: ${reason}. "
                  + AT_TIMELINE),
        provider=T("No further step for now: ${provider}",
                   "The step the council was considering will not be taken for now. " + ASK),
    ),
    **worded(
        "EscalationWithdrawn",
        council=T("Withdrawn: ${step} for ${provider}",
                  "${withdrawn_by} withdrew the proposed ${step} for ${provider}: ${reason}. "
                  "No decision is needed. " + AT_TIMELINE),
        provider=T("No ${step} for now: ${provider}",
                   "The ${step} the council was considering will not be taken for now. " + ASK),
    ),
    **worded(
        "PolicyOverridden",
        council=T("Policy overridden for ${provider}",
                  "${overridden_by} chose ${step} at the ${level} level for ${provider} instead "
                  "of the policy's ${policy_step} at the ${policy_level} level: ${reason}. "
                  + AT_INTERVENTIONS),
        provider=T("Next step for ${provider}: ${step}",
                   "The council's next step is ${step} at the ${level} level. " + ASK),
    ),
    **worded(
        "IssueEscalated",
        council=T("${urgent_prefix}Issue escalated about ${provider}",
                  "${urgent_prefix}${raised_by} escalated an issue about ${provider}: "
                  "${reason}. It goes to: ${recipients_words}. ${categories_sentence}"
                  + AT_INTERVENTIONS),
        provider=T("${urgent_prefix}Issue about ${provider}",
                   "${urgent_prefix}The council has raised an issue about your service with its "
                   "managers. " + ASK),
    ),
}

INTERVENTIONS = {
    **worded(
        "InterventionOpened",
        council=T("Intervention opened for ${provider} (${level})",
                  "An intervention at the ${level} level was opened for ${provider}: "
                  "${reason}. " + AT_INTERVENTIONS),
        provider=T("Intervention opened for ${provider} (${level})",
                   "The council has opened an intervention at the ${level} level. Your contract "
                   "manager will contact you about what happens next."),
    ),
    **worded(
        "InterventionStepTaken",
        council=T("Intervention step for ${provider}: ${step}",
                  "On ${on} the council took the step \"${step}\" at the ${level} level with "
                  "${provider}. Its performance rating is now ${performance_rating}. "
                  + AT_INTERVENTIONS),
        provider=T("Intervention step for ${provider}: ${step}",
                   "On ${on} the council took the step \"${step}\" at the ${level} level. Your "
                   "performance rating is now ${performance_rating}. " + QUESTIONS),
    ),
    **worded(
        "ImprovementPlanRequested",
        council=T("Improvement plan needed from ${provider} by ${plan_due}",
                  "${Provider} was asked for an improvement plan with SMART actions and "
                  "timescales by ${plan_due} (10 working days from ${requested_on}). It will be "
                  "reviewed by ${review_due}, its targets must be met by ${targets_due}, and the "
                  "council will visit by ${visit_due}. " + AT_INTERVENTIONS),
        provider=T("Improvement plan needed from ${provider} by ${plan_due}",
                   "Your improvement plan with SMART actions and timescales must reach the "
                   "council by ${plan_due} (10 working days from ${requested_on}). It will be "
                   "reviewed by ${review_due}, its targets must be met by ${targets_due}, and the "
                   "council will visit you by ${visit_due}. " + QUESTIONS),
    ),
    **worded(
        "DirectedImprovementPlanIssued",
        council=T("Directed improvement plan issued to ${provider}",
                  "On ${directed_on} the council directed an improvement plan for ${provider}, "
                  "following its breach notice. It will be reviewed by "
                  "${review_due}, its targets must be met by ${targets_due}, and the council "
                  "will visit by ${visit_due}. " + AT_INTERVENTIONS),
        provider=T("Directed improvement plan issued to ${provider}",
                   "On ${directed_on} the council directed an improvement plan for you, linked "
                   "to the council's breach notice. It will be reviewed by ${review_due}, "
                   "its targets must be met by ${targets_due}, and the council will visit you by "
                   "${visit_due}. " + YOUR_ACTIONS),
    ),
    **worded(
        "ImprovementPlanReceived",
        council=T("Improvement plan received from ${provider}",
                  "${Provider}'s improvement plan was received on ${received_on} with "
                  "${action_count}. " + AT_INTERVENTIONS),
        provider=T("Improvement plan received from ${provider}",
                   "The council received your improvement plan on ${received_on} with "
                   "${action_count}. " + YOUR_ACTIONS),
    ),
    **worded(
        "ImprovementPlanReviewed",
        council=T("Improvement plan reviewed for ${provider}: ${on_track_words}",
                  "The 30-day review of ${provider}'s improvement plan was held on "
                  "${reviewed_on}: the plan is ${on_track_words}. " + AT_INTERVENTIONS),
        provider=T("Improvement plan reviewed for ${provider}: ${on_track_words}",
                   "The 30-day review of your improvement plan was held on ${reviewed_on}: the "
                   "plan is ${on_track_words}. " + YOUR_ACTIONS),
    ),
    **worded(
        "ImprovementPlanAchieved",
        council=T("Improvement plan achieved by ${provider}",
                  "${Provider}'s improvement plan targets were met on ${on}. " + AT_INTERVENTIONS),
        provider=T("Improvement plan achieved by ${provider}",
                   "Your improvement plan's targets were met on ${on}. " + YOUR_ACTIONS),
    ),
    **worded(
        "ImprovementPlanNotAchieved",
        council=T("Improvement plan not achieved by ${provider}",
                  "On ${on} ${provider}'s improvement plan was recorded as not achieved: "
                  "${reason}. " + AT_INTERVENTIONS),
        provider=T("Improvement plan not achieved by ${provider}",
                   "On ${on} your improvement plan was recorded as not achieved: ${reason}. "
                   + YOUR_ACTIONS),
    ),
    **worded(
        "DeadlineMissed",
        council=T("Deadline missed by ${provider}: ${deadline}",
                  "${Provider} did not meet the deadline \"${deadline}\" of ${due_on}. Next "
                  "step: ${next_step}. " + AT_INTERVENTIONS),
        provider=T("Deadline missed by ${provider}: ${deadline}",
                   "The deadline \"${deadline}\" of ${due_on} passed unmet. Next step: "
                   "${next_step}. " + QUESTIONS),
    ),
    **worded(
        "BreachNoticeIssued",
        council=T("Breach notice issued to ${provider}: comply by ${comply_by}",
                  "On ${issued_on} the council issued a breach notice to ${provider}. "
                  "Deficiency: ${deficiency}. Action required: ${action_required}. It must be "
                  "met by ${comply_by}. " + AT_INTERVENTIONS),
        provider=T("Breach notice issued to ${provider}: comply by ${comply_by}",
                   "On ${issued_on} the council issued you a breach notice. Deficiency: "
                   "${deficiency}. Action required: ${action_required}. You must meet it by "
                   "${comply_by}. " + QUESTIONS),
    ),
    **worded(
        "BreachNoticeMet",
        council=T("Breach notice met by ${provider}",
                  "${Provider} met the breach notice on ${on}. " + AT_INTERVENTIONS),
        provider=T("Breach notice met by ${provider}",
                   "You met the breach notice on ${on}."),
    ),
    **worded(
        "BreachNoticeFailed",
        council=T("Breach notice not met by ${provider}",
                  "${Provider} did not meet the breach notice by ${comply_by}. The options now "
                  "are: ${options}. " + AT_INTERVENTIONS),
        provider=T("Breach notice not met by ${provider}",
                   "The breach notice was not met by ${comply_by}. The options the council is "
                   "now considering are: ${options}. " + QUESTIONS),
    ),
    **worded(
        "RegulatorNotified",
        council=T("Regulator told about ${provider}",
                  "On ${on} the ${regulator} was told that ${provider} did not meet the "
                  "council's breach notice. " + AT_INTERVENTIONS),
        provider=T("Regulator told about ${provider}",
                   "On ${on} the council told the ${regulator} that its breach notice to you "
                   "was not met. " + QUESTIONS),
    ),
    **worded(
        "ProviderSuspended",
        council=T("${Provider} suspended from ${on}",
                  "From ${on}, no new contracts or placements are awarded to ${provider}. "
                  "Contingency plan for the people the provider serves: ${contingency_plan}. "
                  + AT_INTERVENTIONS),
        provider=T("${Provider} suspended from ${on}",
                   "From ${on}, the council awards you no new contracts or placements. "
                   "Contingency plan for the people you serve: ${contingency_plan}. " + QUESTIONS),
    ),
    **worded(
        "ProviderDecommissioned",
        council=T("${Provider} decommissioned from ${on}",
                  "From ${on}, the termination process starts for ${provider}. Continuity of "
                  "service for everyone affected: ${continuity_plan}. " + AT_INTERVENTIONS),
        provider=T("${Provider} decommissioned from ${on}",
                   "From ${on}, the termination process for your contracts starts. Continuity of "
                   "service for everyone affected: ${continuity_plan}. " + QUESTIONS),
    ),
    **worded(
        "InterventionClosed",
        council=T("Intervention closed for ${provider}",
                  "The intervention for ${provider} was closed on ${on}: ${reason}. "
                  + AT_INTERVENTIONS),
        provider=T("Intervention closed for ${provider}",
                   "The intervention was closed on ${on}: ${reason}. " + QUESTIONS),
    ),
}

REPORTS = {
    **worded(
        "MonitoringReportIssued",
        council=T("Monitoring report for ${provider}: reply by ${reply_by}",
                  "The council issued its ${kind} of the monitoring activity at ${provider} on "
                  "${activity_on} on ${issued_on}. The provider may reply until the end of "
                  "${reply_by}. " + AT_REPORTS),
        provider=T("Monitoring report for ${provider}: reply by ${reply_by}",
                   "The council issued its ${kind} of the monitoring activity on ${activity_on} "
                   "on ${issued_on}. You may reply to it until the end of ${reply_by}, under "
                   "Monitoring reports in Assure."),
    ),
    **worded(
        "MonitoringReportReplied",
        council=T("${Provider} replied to its monitoring report",
                  "${replied_by} of ${provider} replied on ${replied_on} to the monitoring "
                  "report. Read the reply beside the report before finalising it. "
                  + AT_REPORTS),
        provider=T("${Provider} replied to its monitoring report",
                   "Your reply of ${replied_on} to the monitoring report was received. "
                   + YOUR_REPORTS),
    ),
}

# To the council's system operators only: no provider wording.
SYSTEM = {
    "NotificationFailed": T(
        "Not delivered: ${channel} message to ${recipient_words}",
        "A message to ${recipient_words} by ${channel} about ${about_words} (${provider}) "
        "could not be delivered after ${attempts_words}: ${error}. It is listed with the "
        "failed deliveries (GET /notify/failures), where it can be sent again.",
    ),
}

DEFAULT_TEMPLATES: dict[str, T] = {
    **RETURNS, **CONCERNS, **ESCALATIONS, **INTERVENTIONS, **REPORTS, **SYSTEM,
}
