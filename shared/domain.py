"""Error types every service's domain raises; pure standard library so domains may import it."""

from uuid import NAMESPACE_URL, UUID, uuid5

_NAMESPACE = uuid5(NAMESPACE_URL, "https://assure.example/aggregates")


class DomainError(Exception):
    """A business rule refused a command."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The command's data breaks a rule about its own content (HTTP 422)."""

    def __init__(
        self, message: str, field: str | None = None,
        problems: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message, field)
        # Every (field, message) pair, so a form's errors are all named at once.
        self.problems = problems or [(field or "", message)]


class Missing(DomainError):
    """The thing the command names does not exist (HTTP 404)."""


class Refused(DomainError):
    """The command conflicts with what has already happened (HTTP 409)."""


def stable_id(*parts: str) -> UUID:
    """A deterministic aggregate id, so the same input never creates a second aggregate."""
    return uuid5(_NAMESPACE, ":".join(parts))
