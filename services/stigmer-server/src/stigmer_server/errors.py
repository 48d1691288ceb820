"""Domain errors: the conditions a caller can cause, independent of the transport."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the API reports with a specific status code."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    """The addressed resource does not exist."""


class AlreadyExistsError(DomainError):
    """A resource with the same identity (e.g. slug within an org) already exists."""


class InvalidArgumentError(DomainError):
    """A request field is missing or malformed.

    Attributes:
        field: Dotted path of the offending field, e.g. ``metadata.name``.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class FailedPreconditionError(DomainError):
    """The request is well formed but not allowed in the resource's current state."""


class PermissionDeniedError(DomainError):
    """The caller is identified but not allowed this operation on this resource."""


class UnavailableError(DomainError):
    """A dependency (store, orchestrator) cannot be reached; the caller may retry."""


class InternalError(DomainError):
    """An unexpected failure of the server or a dependency, reported with a readable reason."""


class ConflictError(DomainError):
    """Optimistic concurrency gave up after too many conflicting concurrent writes."""


class ResourceExhaustedError(DomainError):
    """A server-wide limit is reached (e.g. live subscriptions); retry later or elsewhere."""


class DataLossError(DomainError):
    """Stored data is damaged (e.g. a referenced value no longer matches its digest)."""
