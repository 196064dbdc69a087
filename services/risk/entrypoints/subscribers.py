"""What risk consumes: every return is scored; grades, reported concerns, call-monitoring
figures and overdue returns are read against the poor-performance rules of §6; contracts give
the service types (the impact on the risk matrix) and monitoring levels (the log's filters)."""

from shared.contracts import intake

CONSUMES = {
    "intake": (
        intake.ContractAwarded,
        intake.ContractLevelChanged,
        intake.ReturnSubmitted,
        intake.InspectionGradeRecorded,
        intake.ConcernReported,
        intake.VisitFiguresRecorded,
        intake.ReturnOverdue,
    ),
}
