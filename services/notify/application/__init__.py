"""notify's application layer: one module per use case, composed into one application.

`notifications.Notifications` is the service's application: the policy for the upstream events
it reads, composed of the use cases beside it (deliveries and their attempts, the schedule of
reminders and digests, the inboxes), each a mixin over what every use case uses
(`records.NotifyRecords`: the configuration, the board of work outstanding, routing a fact to its
recipients). `dispatcher` sends what is due; `projections` are its read models; `readers` says
whose inbox is whose.
"""

from services.notify.application.notifications import Notifications

__all__ = ["Notifications"]
