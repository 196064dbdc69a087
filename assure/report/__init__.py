"""The governance report of issue 7: the balanced scorecard of 002 for a period (§9).

`governance.governance_report` computes it from plain facts; `collect.collect` reads those from
the running services; `api.router` serves it at GET /reports/governance as HTML, CSV, PDF or
JSON; `assure report` fetches it.
"""
