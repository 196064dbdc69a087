"""A council's risk configuration: its scoring model, its risk matrix and its rules' thresholds.

Everything has a documented default (`DEFAULT_CONFIGURATION`); a council overrides any part in
one JSON document, read by `configuration_from_dict`:

    {
      "scoring_model": {"version": "fife-2026-1", "points": {"amber": 60},
                        "limiting_sections": {"staffing": 74}},
      "risk_matrix": {"medium_from": 6, "high_from": 12},
      "service_impacts": {"day-services": 4},
      "rules": {"missed-visits": {"limit_percent": "2"}, "red-section": false}
    }

`scoring_model` is read by `model.model_from_dict`; `risk_matrix` takes the fields of
`RiskMatrix`; `service_impacts` sets the impact (1-5) of a service type; `rules` sets a rule's
thresholds by its name (the fields of its class), or `false` to switch it off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from services.risk.domain.model import (
    DEFAULT_MODEL,
    KNOWN_MODELS,
    ScoringModel,
    mapping_of,
    model_from_dict,
    refuse_unknown,
)
from services.risk.domain.risk_matrix import DEFAULT_MATRIX, SERVICE_IMPACT, RiskMatrix
from services.risk.domain.rules import DEFAULT_RULES, Rule

_KEYS = ("scoring_model", "risk_matrix", "service_impacts", "rules")


@dataclass(frozen=True)
class RiskConfiguration:
    """The scoring model, matrix, impacts and rules one council's risk service works by."""

    model: ScoringModel = DEFAULT_MODEL
    matrix: RiskMatrix = DEFAULT_MATRIX
    service_impacts: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(SERVICE_IMPACT), hash=False)
    rules: tuple[Rule, ...] = DEFAULT_RULES

    def rule(self, name: str) -> Rule | None:
        """The rule of that name, or None where the council switched it off."""
        return next((rule for rule in self.rules if rule.name == name), None)

    def model_named(self, version: str) -> ScoringModel | None:
        """A model the service knows by its version: the built-in ones and the council's own."""
        return {**KNOWN_MODELS, self.model.version: self.model}.get(version)


DEFAULT_CONFIGURATION = RiskConfiguration()


def configuration_from_dict(d: Mapping[str, Any]) -> RiskConfiguration:
    """A council's configuration: the defaults with the parts it gives overridden."""
    refuse_unknown("part of the risk configuration", d, _KEYS)
    return RiskConfiguration(
        model=model_from_dict(d["scoring_model"]) if "scoring_model" in d else DEFAULT_MODEL,
        matrix=_matrix(d.get("risk_matrix", {})),
        service_impacts=_impacts(d.get("service_impacts", {})),
        rules=rules_from_dict(d.get("rules", {})),
    )


def _matrix(given: Any) -> RiskMatrix:
    known = tuple(f.name for f in dataclasses.fields(RiskMatrix))
    refuse_unknown("setting of the risk matrix", mapping_of(given, "risk_matrix"), known)
    return dataclasses.replace(DEFAULT_MATRIX, **given)


def _impacts(given: Any) -> Mapping[str, int]:
    impacts = dict(SERVICE_IMPACT)
    for service_type, impact in mapping_of(given, "service_impacts").items():
        if isinstance(impact, bool) or not isinstance(impact, int) or not 1 <= impact <= 10:
            raise ValueError(f"the impact of {service_type} must be a whole number from 1 to "
                             f"10, not {impact!r}")
        impacts[str(service_type)] = impact
    return MappingProxyType(impacts)


def rules_from_dict(given: Any, base: tuple[Rule, ...] = DEFAULT_RULES) -> tuple[Rule, ...]:
    """The rules with a council's thresholds: `{name: {field: value}}`, or `{name: false}`."""
    settings = mapping_of(given, "rules")
    refuse_unknown("rule", settings, tuple(rule.name for rule in base))
    rules = []
    for rule in base:
        setting = settings.get(rule.name, {})
        if setting is False:
            continue
        known = tuple(f.name for f in dataclasses.fields(rule))  # type: ignore[arg-type]
        values = mapping_of(setting, f"the settings of {rule.name}")
        refuse_unknown(f"setting of {rule.name}", values, known)
        # JSON has no decimals: a fractional threshold comes as a float, taken as written.
        values = {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in values.items()}
        rules.append(dataclasses.replace(rule, **values))  # type: ignore[type-var]
    return tuple(rules)
