"""RFC 7807-style DSL errors, the spec's standard error types and the library's own errors."""

from __future__ import annotations

from typing import Any

ERROR_TYPE_PREFIX = "https://serverlessworkflow.io/spec/1.0.0/errors/"

STANDARD_STATUS: dict[str, int] = {
    "configuration": 400,
    "validation": 400,
    "expression": 400,
    "authentication": 401,
    "authorization": 403,
    "timeout": 408,
    "communication": 500,
    "runtime": 500,
}


def error_type(kind: str) -> str:
    """Return the full type URI of a standard error kind, e.g. ``communication``."""
    return ERROR_TYPE_PREFIX + kind


def short_type(type_uri: str) -> str:
    """Return the last path segment of an error type URI (``.../errors/timeout`` -> ``timeout``)."""
    stripped = type_uri.rstrip("/")
    return stripped.rsplit("/", 1)[-1] or stripped


class WorkflowError(Exception):
    """A DSL error raised while running a workflow; ``error`` is the RFC 7807 dict."""

    def __init__(self, error: dict[str, Any]) -> None:
        """Wrap an error dict that has at least ``type`` and ``status``."""
        super().__init__(describe(error))
        self.error = error

    def with_instance(self, instance: str) -> WorkflowError:
        """Set ``instance`` when it is not set yet (the innermost task wins); return self."""
        if not self.error.get("instance"):
            self.error["instance"] = instance
            self.args = (describe(self.error),)
        return self


def make_error(
    kind: str,
    detail: str,
    *,
    title: str | None = None,
    status: int | None = None,
    instance: str | None = None,
) -> WorkflowError:
    """Build a :class:`WorkflowError` of a standard kind with its default status."""
    error: dict[str, Any] = {
        "type": error_type(kind),
        "status": status if status is not None else STANDARD_STATUS.get(kind, 500),
        "title": title or f"{kind.capitalize()} error",
        "detail": detail,
    }
    if instance:
        error["instance"] = instance
    return WorkflowError(error)


def describe(error: dict[str, Any]) -> str:
    """Return the one-line ``title: detail (at instance)`` description of an error dict."""
    title = error.get("title") or short_type(str(error.get("type", "error")))
    text = str(title)
    if error.get("detail"):
        text += f": {error['detail']}"
    if error.get("instance"):
        text += f" (at {error['instance']})"
    return text


class DefinitionError(ValueError):
    """A workflow document that cannot run: YAML, schema or engine support problems."""

    def __init__(self, problems: list[str]) -> None:
        """Keep every problem; ``str`` lists them one per line."""
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"invalid workflow definition ({count} {noun}):\n{lines}")


def definition_problem(exc: DefinitionError) -> dict[str, Any]:
    """The ``configuration`` error of a document that cannot run, listing its problems."""
    return {
        "type": error_type("configuration"),
        "status": 400,
        "title": "Invalid workflow definition",
        "detail": "; ".join(exc.problems),
        "instance": "/",
    }


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
