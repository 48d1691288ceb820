"""The registry of task kinds: every per-kind list of the library is derived from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import ProtoMapping, TaskKind


class Registry:
    """The task kinds, each registered once, with the lookups the loader and converter need."""

    def __init__(self, kinds: Iterable[TaskKind]) -> None:
        """Register ``kinds``.

        Raises:
            ValueError: Two kinds share an id or a DSL spelling, or two different mappings
                claim one proto kind.
        """
        self.kinds: tuple[TaskKind, ...] = tuple(kinds)
        self._by_id: dict[str, TaskKind] = {}
        self._by_spelling: dict[tuple[str, str | None], TaskKind] = {}
        by_proto: dict[str, ProtoMapping] = {}
        for kind in self.kinds:
            if kind.id in self._by_id:
                raise ValueError(f"task kind {kind.id!r} is registered twice")
            self._by_id[kind.id] = kind
            spelling = (kind.key, kind.variant)
            if spelling in self._by_spelling:
                raise ValueError(f"task kinds {kind.id!r} and {spelling} share a DSL spelling")
            self._by_spelling[spelling] = kind
            known = by_proto.setdefault(kind.mapping.proto, kind.mapping)
            if known is not kind.mapping:
                raise ValueError(f"two mappings claim WorkflowTaskKind {kind.mapping.proto}")
        self.mappings: tuple[ProtoMapping, ...] = tuple(by_proto.values())
        # A key that is also a sub-task list of another kind (``for`` has a ``do``) is looked
        # for after the others, so that a ``for`` task is not taken for a ``do`` task.
        nested = {path[0] for m in self.mappings for path in m.task_lists if path[0] != m.key}
        keys = list(dict.fromkeys(m.key for m in self.mappings if m.key != "call"))
        self.key_order: tuple[str, ...] = tuple(sorted(keys, key=lambda key: key in nested))

    def get(self, kind_id: str) -> TaskKind | None:
        """The kind named ``kind_id`` (``call.http``), if registered."""
        return self._by_id.get(kind_id)

    @property
    def running(self) -> tuple[str, ...]:
        """The ids of the kinds the engine runs (each needs a handler in the runner)."""
        return tuple(kind.id for kind in self.kinds if kind.runs)

    def of_task(self, spec: Mapping[str, Json]) -> TaskKind | None:
        """The kind of a DSL task (None when it has no known task key)."""
        if "call" in spec:
            kind = self._by_spelling.get(("call", str(spec["call"])))
            if kind is None or not kind.in_dsl:
                kind = self._by_spelling[("call", None)]
            return kind
        for key in self.key_order:
            if key not in spec:
                continue
            only = self._by_spelling.get((key, None))
            if only is not None:
                return only
            body = spec[key]
            for kind in self.kinds:
                if kind.key == key and isinstance(body, Mapping) and kind.variant in body:
                    return kind
            return None
        return None

    def refusal(self, kind: TaskKind) -> str | None:
        """The load-time problem of a kind the engine does not run (None when it runs it)."""
        if kind.refusal is None or kind.key != "call":
            return kind.refusal
        calls = [str(k.variant) for k in self.kinds if k.key == "call" and k.runs and k.variant]
        return f"{kind.refusal} (supported: {', '.join(calls)}, use.functions)"

    def task_type(self, progress_kind: str) -> str:
        """The ``WorkflowTaskType`` name of a progress row's kind (``for.iteration``: ``for``'s)."""
        name = progress_kind
        while True:
            kind = self._by_id.get(name)
            if kind is not None:
                return kind.task_type
            if "." not in name:
                return "WORKFLOW_TASK_CUSTOM"
            name = name.rsplit(".", 1)[0]
