"""What risk consumes: every return is scored; grades, reported concerns, call-monitoring
figures and overdue returns are read against the poor-performance rules of §6."""

from shared.contracts import intake

CONSUMES = {
    "intake": (
        intake.ReturnSubmitted,
        intake.InspectionGradeRecorded,
        intake.ConcernReported,
        intake.VisitFiguresRecorded,
        intake.ReturnOverdue,
    ),
}
