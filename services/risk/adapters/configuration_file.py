"""Reads a council's risk configuration from a JSON file (`ASSURE_RISK_CONFIG_FILE`)."""

from __future__ import annotations

import json
from pathlib import Path

from services.risk.domain.configuration import (
    DEFAULT_CONFIGURATION,
    RiskConfiguration,
    configuration_from_dict,
)


class RiskConfigurationError(ValueError):
    """The configuration file cannot be used; the message says which file and why."""


def load_configuration(path: str | Path | None) -> RiskConfiguration:
    """The council's configuration, or the documented defaults when no file is set."""
    if not path:
        return DEFAULT_CONFIGURATION
    file = Path(path)
    try:
        given = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise RiskConfigurationError(f"cannot read the risk configuration {file}: "
                                     f"{error.strerror}") from error
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise RiskConfigurationError(
            f"the risk configuration {file} is not JSON: {where}: {error.msg}") from error
    if not isinstance(given, dict):
        raise RiskConfigurationError(f"the risk configuration {file} must be a JSON object")
    try:
        return configuration_from_dict(given)
    except (ValueError, TypeError) as error:
        raise RiskConfigurationError(f"the risk configuration {file}: {error}") from error
