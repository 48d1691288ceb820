"""The single error type of the proto <-> DSL converter."""

from __future__ import annotations


class ConversionError(ValueError):
    """A workflow could not be converted between the proto and the DSL form.

    The message names where the problem is, e.g.
    ``tasks[2] 'fetch' (HTTP_CALL): task_config.endpoint.uri: required``.

    Attributes:
        path: The task path (``tasks[2] 'fetch' (HTTP_CALL)``, ``do[0] 'x'``) or the
            top-level section (``document``).
        field: The offending field below ``path`` (may be empty).
        reason: What is wrong with it.
    """

    def __init__(self, path: str, field: str, reason: str) -> None:
        self.path = path
        self.field = field
        self.reason = reason
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {reason}")
