"""The default wording of every message, as `string.Template` text in plain English.

A template is found by "<EventType>@provider" for a provider's own users (or "<EventType>@<role>"
for one role), else "<EventType>", else the generic wording in messages.py. Provider templates
leave out what only the council needs: who reported or decided something, internal reasons.
Placeholders are the event's fields (dates already in UK form) and those messages.py adds.
"""

from __future__ import annotations

from services.notify.domain.config import MessageTemplate as T

REF = "Intervention reference ${intervention_id}."

RETURNS = {
    "ReturnRequested": T(
        "Return requested for contract ${contract_reference}: due ${due_on}",
        "Please send your ${form_name} for ${period} by ${due_on}. "
        "The form and a worked example are on your return page.",
    ),
    "ReturnDueSoon": T(
        "Reminder: return due in ${days_words} for contract ${contract_reference}",
        "Your ${form_name} for ${period} is due on ${due_on}. If you have sent it already, "
        "thank you, and please ignore this reminder.",
    ),
    "ReturnOverdue": T(
        "Reminder: return overdue for contract ${contract_reference}",
        "Your ${form_name} was due on ${due_on} and has not been received. Please send it as "
        "soon as you can, or tell your contract manager why not.",
    ),
    "IntelligenceRequested": T(
        "Intelligence requested: monitoring of provider ${provider_id}",
        "The contract monitoring team is preparing to review the ${form_name} of provider "
        "${provider_id} for contract ${contract_reference}, due on ${due_on}. Please send the "
        "team any intelligence you hold about the provider (concerns, complaints, adult support "
        "and protection matters, good practice) before then.",
    ),
}

CONCERNS = {
    "ConcernRaised": T(
        "${safety_warning}Concern raised about provider ${provider_id}",
        "${safety_warning}A ${severity} ${category} concern was raised from ${source}: "
        "${summary}. Concern reference ${concern_id}.",
    ),
    "ConcernRecurred": T(
        "${safety_warning}Concern came up again about provider ${provider_id}",
        "${safety_warning}The ${severity} ${category} concern came up again from ${source} "
        "(raised ${occurrences_words} now): ${summary}. It is one concern, updated with the new "
        "evidence. Concern reference ${concern_id}.",
    ),
}

ESCALATIONS = {
    "EscalationProposed": T(
        "Approval needed: ${step} for provider ${provider_id}",
        "${proposer} proposed a ${step} (${reason}). A second, authorised person must approve "
        "or reject it. Escalation reference ${escalation_id}.",
    ),
    "EscalationApproved": T(
        "Approved: ${step} for provider ${provider_id}",
        "${approved_by} (${approver_role}) approved the ${step}. "
        "Escalation reference ${escalation_id}.",
    ),
    "EscalationRejected": T(
        "Rejected: proposed escalation for provider ${provider_id}",
        "${rejected_by} rejected the proposed escalation: ${reason}. "
        "Escalation reference ${escalation_id}.",
    ),
    "EscalationWithdrawn": T(
        "Withdrawn: ${step} for provider ${provider_id}",
        "${withdrawn_by} withdrew the proposed ${step}: ${reason}. No decision is needed. "
        "Escalation reference ${escalation_id}.",
    ),
    "PolicyOverridden": T(
        "Policy overridden for provider ${provider_id}",
        "${overridden_by} chose ${step} at the ${level} level instead of the policy's "
        "${policy_step} at the ${policy_level} level: ${reason}. " + REF,
    ),
    "IssueEscalated": T(
        "${urgent_prefix}Issue escalated about provider ${provider_id}",
        "${urgent_prefix}${raised_by} escalated an issue about provider ${provider_id}: "
        "${reason}. It goes to: ${recipients_words}. ${categories_sentence}" + REF,
    ),
}

INTERVENTIONS = {
    "InterventionOpened": T(
        "Intervention opened for provider ${provider_id} (${level})",
        "An intervention at the ${level} level was opened for provider ${provider_id}: "
        "${reason}. " + REF,
    ),
    "InterventionOpened@provider": T(
        "Intervention opened for provider ${provider_id} (${level})",
        "The council has opened an intervention at the ${level} level. Your contract manager "
        "will contact you about what happens next. " + REF,
    ),
    "InterventionStepTaken": T(
        "Intervention step for provider ${provider_id}: ${step}",
        "On ${on} the council took the step \"${step}\" at the ${level} level. The provider's "
        "performance rating is now ${performance_rating}. " + REF,
    ),
    "ImprovementPlanRequested": T(
        "Improvement plan needed from provider ${provider_id} by ${plan_due}",
        "An improvement plan with SMART actions and timescales must reach the council by "
        "${plan_due} (10 working days from ${requested_on}). It will be reviewed by "
        "${review_due}, its targets must be met by ${targets_due}, and the council will visit by "
        "${visit_due}. " + REF,
    ),
    "DirectedImprovementPlanIssued": T(
        "Directed improvement plan issued to provider ${provider_id}",
        "On ${directed_on} the council directed an improvement plan, linked to breach notice "
        "${breach_notice_id}. It will be reviewed by ${review_due}, its targets must be met by "
        "${targets_due}, and the council will visit by ${visit_due}. " + REF,
    ),
    "ImprovementPlanReceived": T(
        "Improvement plan received from provider ${provider_id}",
        "The improvement plan was received on ${received_on} with ${action_count}. " + REF,
    ),
    "ImprovementPlanReviewed": T(
        "Improvement plan reviewed for provider ${provider_id}: ${on_track_words}",
        "The 30-day review of the improvement plan was held on ${reviewed_on}: the plan is "
        "${on_track_words}. " + REF,
    ),
    "ImprovementPlanAchieved": T(
        "Improvement plan achieved by provider ${provider_id}",
        "The improvement plan's targets were met on ${on}. " + REF,
    ),
    "ImprovementPlanNotAchieved": T(
        "Improvement plan not achieved by provider ${provider_id}",
        "On ${on} the improvement plan was recorded as not achieved: ${reason}. " + REF,
    ),
    "DeadlineMissed": T(
        "Deadline missed by provider ${provider_id}: ${deadline}",
        "The deadline \"${deadline}\" of ${due_on} passed unmet. Next step: ${next_step}. "
        "Reference ${reference}. " + REF,
    ),
    "BreachNoticeIssued": T(
        "Breach notice issued to provider ${provider_id}: comply by ${comply_by}",
        "On ${issued_on} the council issued a breach notice. Deficiency: ${deficiency}. Action "
        "required: ${action_required}. It must be met by ${comply_by}. Notice reference "
        "${notice_id}.",
    ),
    "BreachNoticeMet": T(
        "Breach notice met by provider ${provider_id}",
        "The breach notice was met on ${on}. Notice reference ${notice_id}.",
    ),
    "BreachNoticeFailed": T(
        "Breach notice not met by provider ${provider_id}",
        "The breach notice was not met by ${comply_by}. The options now are: ${options}. "
        "Notice reference ${notice_id}.",
    ),
    "RegulatorNotified": T(
        "Regulator told about provider ${provider_id}",
        "On ${on} the ${regulator} was told that breach notice ${notice_id} was not met. " + REF,
    ),
    "ProviderSuspended": T(
        "Provider ${provider_id} suspended from ${on}",
        "From ${on}, no new contracts or placements are awarded to provider ${provider_id}. "
        "Contingency plan for the people the provider serves: ${contingency_plan}. " + REF,
    ),
    "ProviderDecommissioned": T(
        "Provider ${provider_id} decommissioned from ${on}",
        "From ${on}, the termination process starts for provider ${provider_id}. Continuity of "
        "service for everyone affected: ${continuity_plan}. " + REF,
    ),
    "InterventionClosed": T(
        "Intervention closed for provider ${provider_id}",
        "The intervention was closed on ${on}: ${reason}. " + REF,
    ),
}

REPORTS = {
    "MonitoringReportIssued": T(
        "Monitoring report for provider ${provider_id}: reply by ${reply_by}",
        "The council issued its ${kind} of the monitoring activity on ${activity_on} on "
        "${issued_on}. You may reply to it until the end of ${reply_by}, from your monitoring "
        "reports page. Report reference ${report_id}.",
    ),
    "MonitoringReportReplied": T(
        "Provider ${provider_id} replied to its monitoring report",
        "${replied_by} replied on ${replied_on} to the monitoring report. Read the reply beside "
        "the report before finalising it. Report reference ${report_id}.",
    ),
}

SYSTEM = {
    "NotificationFailed": T(
        "Not delivered: ${channel} message to ${recipient}",
        "A message to ${recipient} by ${channel} about ${about_words} (provider ${provider_id}) "
        "could not be delivered after ${attempts_words}: ${error}. It is listed at "
        "GET /notify/failures, where it can be sent again. Delivery reference ${delivery_id}.",
    ),
}

DEFAULT_TEMPLATES: dict[str, T] = {
    **RETURNS, **CONCERNS, **ESCALATIONS, **INTERVENTIONS, **REPORTS, **SYSTEM,
}
