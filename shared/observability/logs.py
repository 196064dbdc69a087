"""How Assure logs: plain lines on a terminal, or JSON lines (`ASSURE_LOG_FORMAT=json`) for a
log collector, each with the correlation id of the request or message being handled.

JSON lines come from python-json-logger (a small, well-kept formatter) rather than our own.
httpx's line per request (the console's calls to the API) is quiet unless asked for with
`ASSURE_LOG_HTTP_CALLS=1`: after a demo it was 163 lines of 171.
"""

from __future__ import annotations

import logging
import os

from pythonjsonlogger.json import JsonFormatter

from shared.observability import context

TEXT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "correlation_id", "message")


class CorrelationFilter(logging.Filter):
    """Puts the current correlation id on every record ("-" outside any request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = context.current() or "-"
        return True


def configure(level: int = logging.INFO, log_format: str | None = None,
              process: str | None = None) -> None:
    """Sets up the root logger once for the process: `text` (default) or `json`. A service's
    own process under `assure up` names itself (`process`): `[risk]` before each text line, a
    `process` field in JSON, so the one log it shares with the others tells them apart."""
    chosen = (log_format or os.environ.get("ASSURE_LOG_FORMAT", "text")).lower()
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationFilter())
    if chosen == "json":
        handler.setFormatter(JsonFormatter(list(JSON_FIELDS), rename_fields={
            "asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"process": process} if process else None))
    else:
        handler.setFormatter(logging.Formatter(f"[{process}] {TEXT}" if process else TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if os.environ.get("ASSURE_LOG_HTTP_CALLS", "") not in ("1", "true", "yes"):
        logging.getLogger("httpx").setLevel(logging.WARNING)
