"""What risk consumes: every submitted return is scored (shared/messaging/consumer.py runs it)."""

from shared.contracts import intake

CONSUMES = {"intake": (intake.ReturnSubmitted,)}
