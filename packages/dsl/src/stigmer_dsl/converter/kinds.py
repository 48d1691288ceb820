"""Each ``WorkflowTaskKind`` and its DSL task shape, derived from the task kinds' registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stigmer_protos.ai.stigmer.commons.apiresource import WorkflowTaskKind

from stigmer_dsl.kinds import KIND_PREFIX, REGISTRY, ProtoMapping, TypedConverter

#: Task fields common to every DSL task; they live in dedicated ``WorkflowTask`` fields,
#: never in ``task_config``.
COMMON_FIELDS: tuple[str, ...] = ("if", "input", "output", "export", "timeout", "then", "metadata")


@dataclass(frozen=True)
class KindSpec:
    """How one ``WorkflowTaskKind`` looks in the DSL (a kind's :class:`ProtoMapping`, typed).

    Attributes:
        kind: The proto enum value.
        key: The DSL key that identifies the task type (``set``, ``call``, ``for``...).
        call: For call tasks, the value of ``call`` (``http``, ``grpc``...); ``None`` for a
            custom function call, whose ``call`` is any other name.
        task_lists: Paths (inside the DSL task body) of the nested task lists. In
            ``task_config`` each of them holds a list of ``WorkflowTask`` JSON objects.
        executable: ``False`` when our engine does not run this kind yet (it still converts).
        typed: The converter of Stigmer's typed config of the kind, if any.
    """

    kind: WorkflowTaskKind
    key: str
    call: str | None = None
    task_lists: tuple[tuple[str, ...], ...] = ()
    executable: bool = True
    typed: TypedConverter | None = None

    @property
    def label(self) -> str:
        """The kind's short name as used in messages (``HTTP_CALL``)."""
        return kind_name(self.kind)


def _spec(mapping: ProtoMapping) -> KindSpec:
    return KindSpec(
        WorkflowTaskKind[mapping.proto],
        mapping.key,
        mapping.call,
        mapping.task_lists,
        mapping.executable,
        mapping.typed,
    )


KIND_SPECS: tuple[KindSpec, ...] = tuple(_spec(mapping) for mapping in REGISTRY.mappings)
"""One row per ``WorkflowTaskKind``, derived from the task kinds' modules."""

_BY_KIND: dict[WorkflowTaskKind, KindSpec] = {spec.kind: spec for spec in KIND_SPECS}
_BY_CALL: dict[str, KindSpec] = {spec.call: spec for spec in KIND_SPECS if spec.call is not None}
_BY_KEY: dict[str, KindSpec] = {spec.key: spec for spec in KIND_SPECS if spec.key != "call"}
_FUNCTION_CALL = next(spec for spec in KIND_SPECS if spec.key == "call" and spec.call is None)


def kind_name(kind: WorkflowTaskKind | int) -> str:
    """Short name of a kind (``HTTP_CALL``), or the number for an unknown value."""
    try:
        return WorkflowTaskKind(kind).name
    except ValueError:
        return str(int(kind))


def spec_for_kind(kind: WorkflowTaskKind) -> KindSpec | None:
    """The table row of ``kind`` (``None`` for UNSPECIFIED or an unknown value)."""
    return _BY_KIND.get(kind)


def spec_for_dsl_task(task: Mapping[str, Any]) -> KindSpec | None:
    """The table row matching a DSL task object (``None`` if no task type key is present)."""
    if "call" in task:
        call = task["call"]
        if isinstance(call, str) and call in _BY_CALL:
            return _BY_CALL[call]
        return _FUNCTION_CALL
    for key in REGISTRY.key_order:
        if key in task:
            return _BY_KEY[key]
    return None


def parse_kind(value: Any) -> WorkflowTaskKind | None:
    """Parse a kind from proto JSON: ``"WORKFLOW_TASK_KIND_SET"``, ``"SET"`` or ``1``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        try:
            return WorkflowTaskKind(int(value))
        except ValueError:
            return None
    if isinstance(value, str):
        name = value.removeprefix(KIND_PREFIX)
        if name in WorkflowTaskKind.__members__:
            return WorkflowTaskKind[name]
    return None
