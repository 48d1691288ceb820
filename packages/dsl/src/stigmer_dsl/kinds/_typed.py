"""Reading Stigmer's typed task configs (``tasks/*.proto`` as JSON in ``task_config``).

Stigmer clients put the protojson form of e.g. ``SetTaskConfig`` in ``task_config``. Such
a config has no DSL task key (``set``, ``call``...), which is how it is told apart from the
canonical form. Each kind's converter returns the canonical DSL task body (nested tasks stay
``WorkflowTask`` JSON objects) plus any common task fields the typed config implies. Field
names are accepted in snake_case and lowerCamelCase (protojson reads both); unknown fields
are rejected, as Stigmer's strict ``protojson.Unmarshal`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stigmer_dsl.errors import ConversionError
from stigmer_dsl.json_types import Json

KIND_PREFIX = "WORKFLOW_TASK_KIND_"
"""Prefix of the ``WorkflowTaskKind`` names in proto JSON."""


@dataclass(frozen=True)
class TypedConversion:
    """Result of converting one typed config.

    Attributes:
        body: The canonical DSL task body (without the common task fields).
        defaults: Common task fields implied by the config (``timeout``), used only when
            the ``WorkflowTask`` does not set them itself.
    """

    body: dict[str, Json]
    defaults: dict[str, Json] = field(default_factory=dict)


class TypedConfig:
    """Read access to a typed config with snake/camel names and error paths."""

    def __init__(self, data: Mapping[str, Json], where: str, allowed: tuple[str, ...]) -> None:
        """Wrap ``data`` (at task path ``where``); a key not in ``allowed`` is an error."""
        self.data = data
        self.where = where
        known = set(allowed) | {_camel(name) for name in allowed}
        for key in data:
            if key not in known:
                raise ConversionError(where, f"task_config.{key}", "unknown field")

    def get(self, name: str) -> Json:
        """The value of field ``name`` (snake_case or lowerCamelCase), None when absent."""
        if name in self.data:
            return self.data[name]
        return self.data.get(_camel(name))

    def error(self, name: str, reason: str) -> ConversionError:
        """The conversion error of field ``name``."""
        return ConversionError(self.where, f"task_config.{name}", reason)

    def string(self, name: str, *, required: bool = False) -> str | None:
        """A string field; empty counts as absent."""
        value = self.get(name)
        if value is None or value == "":
            if required:
                raise self.error(name, "required")
            return None
        if not isinstance(value, str):
            raise self.error(name, "must be a string")
        return value

    def mapping(self, name: str) -> dict[str, Json] | None:
        """An object field."""
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.error(name, "must be an object")
        return dict(value)

    def tasks(self, name: str) -> list[Any]:
        """A task list field (``WorkflowTask`` JSON objects)."""
        value = self.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(name, "must be a list of tasks")
        return list(value)


def prefixed(c: TypedConfig, prefix: str, name: str, *, required: bool = False) -> str | None:
    """A string field of a nested item, its error named ``<prefix><name>``."""
    try:
        return c.string(name, required=required)
    except ConversionError as exc:
        raise ConversionError(c.where, f"task_config.{prefix}{name}", exc.reason) from None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
