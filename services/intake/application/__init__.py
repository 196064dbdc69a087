"""intake's application layer: one module per use case, composed into one application.

`intake.Intake` is the service's application: the policy for the events it consumes, composed of
the use cases beside it (registration, the return schedule, returns asked for, submissions and
drafts, regulators' imports, sharing with other councils), each a mixin over what every use case
reads (`records.IntakeRecords`), handed its adapters by bootstrap.py (`ports.IntakeAdapters`).
`integration` and `partner_messages` map its domain events to what it publishes; `register_view`,
`due_dates` and `sharing_views` are its read models.
"""

from services.intake.application.intake import Intake
from services.intake.application.records import UnknownContract, UnknownProvider
from services.intake.application.registration import Award
from services.intake.application.return_requests import AskedReturn
from services.intake.application.return_schedule import TickResult
from services.intake.application.submissions import Submission

__all__ = ["AskedReturn", "Award", "Intake", "Submission", "TickResult", "UnknownContract",
           "UnknownProvider"]
