"""What escalation consumes: each concern opens a proportionate intervention."""

from shared.contracts import risk

CONSUMES = {"risk": (risk.ConcernRaised,)}
