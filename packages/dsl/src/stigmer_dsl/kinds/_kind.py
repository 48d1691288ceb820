"""What the library knows of one task kind, and the loader services its check may use."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from stigmer_dsl.json_types import Json

if TYPE_CHECKING:
    from stigmer_dsl.kinds._typed import TypedConversion
    from stigmer_dsl.loader import TaskNode


@dataclass(frozen=True)
class Site:
    """A task met by the loader's walk.

    Attributes:
        name: The task's name in its list.
        spec: The task's definition mapping.
        pointer: Its JSON pointer.
        names: The names of the tasks of its list (``then`` targets).
        variables: The ``$`` variables its enclosing tasks bind (loop items, caught errors).
    """

    name: str
    spec: Mapping[str, Json]
    pointer: str
    names: list[str]
    variables: frozenset[str]


@dataclass(frozen=True)
class Children:
    """The sub-task lists a check built (see :class:`~stigmer_dsl.loader.TaskNode`)."""

    do: tuple[TaskNode, ...] = ()
    branches: tuple[TaskNode, ...] = ()
    catch_do: tuple[TaskNode, ...] = ()


LEAF = Children()
"""A task without sub-tasks."""


class Checker(Protocol):
    """The loader's walk as a kind's check sees it: report problems, check parts, recurse."""

    @property
    def use(self) -> Mapping[str, Json]:
        """The document's ``use`` section (empty when absent)."""
        ...

    def problem(self, pointer: str, message: str) -> None:
        """Report a problem at ``pointer``."""
        ...

    def expression(
        self, pointer: str, value: Json, *, whole: bool, secrets_ok: bool = False
    ) -> None:
        """Check the runtime expressions in ``value`` (``whole``: the value is one)."""
        ...

    def duration(self, pointer: str, value: Json) -> None:
        """Check a DSL duration (or an expression giving one)."""
        ...

    def flow(self, pointer: str, target: Json, names: list[str]) -> None:
        """Check a ``then`` target against the names of its task list."""
        ...

    def authentication(self, pointer: str, auth: Json) -> None:
        """Check an authentication policy (inline or a ``use.authentications`` name)."""
        ...

    def data_io(self, pointer: str, spec: Mapping[str, Json]) -> None:
        """Check the ``input``/``output``/``export`` sections of ``spec``."""
        ...

    def task_list(
        self, items: Iterable[Mapping[str, Json]], pointer: str, variables: frozenset[str]
    ) -> tuple[TaskNode, ...]:
        """Check and build a sub-task list."""
        ...

    def task(
        self,
        name: str,
        spec: Mapping[str, Json],
        pointer: str,
        names: list[str],
        variables: frozenset[str],
    ) -> TaskNode:
        """Check and build one task (a custom function's definition)."""
        ...

    def function_entered(self, name: str) -> bool:
        """Mark custom function ``name`` as being checked; False when it already is (recursion)."""
        ...

    def function_left(self, name: str) -> None:
        """Unmark custom function ``name``."""
        ...

    def activity_allowed(self, pointer: str, args: Mapping[str, Json]) -> None:
        """Check a ``call: activity`` against the runner's allow-list (when it is known)."""
        ...


Check = Callable[[Checker, Site], Children]
"""A kind's static check: report its problems, return the sub-task lists it built."""

TypedConverter = Callable[[Mapping[str, Json], str], "TypedConversion"]
"""Converts a Stigmer typed ``task_config`` of the kind to a canonical DSL body."""


@dataclass(frozen=True)
class ProtoMapping:
    """How a ``WorkflowTaskKind`` looks in the DSL (the converter's view of a kind).

    Attributes:
        proto: The ``WorkflowTaskKind`` member name (``HTTP_CALL``); a name, so that loading a
            document imports no generated message module.
        key: The DSL key that identifies the task type (``set``, ``call``, ``for`` ...).
        call: For call tasks, the value of ``call`` (``http``, ``grpc`` ...); None for a custom
            function call, whose ``call`` is any other name.
        task_lists: Paths (inside the DSL task body) of the nested task lists. In
            ``task_config`` each of them holds a list of ``WorkflowTask`` JSON objects.
        typed: The converter of Stigmer's typed config of the kind, if it has one.
        executable: False when the engine does not run this kind (it still converts).
    """

    proto: str
    key: str
    call: str | None = None
    task_lists: tuple[tuple[str, ...], ...] = ()
    typed: TypedConverter | None = None
    executable: bool = True


@dataclass(frozen=True)
class TaskKind:
    """One task kind: its name, how the DSL spells it, its check, mapping and task type.

    Attributes:
        id: The engine's name of the kind (``call.http``, ``run.shell``): ``TaskNode.kind``,
            the progress rows' ``task_kind``, the key of the runner's handlers.
        key: The DSL key of the kind (``call``, ``run``, ``set`` ...).
        variant: The value of ``call`` (``http``) or the process key of ``run`` (``shell``);
            None for the key's only kind, or for ``call`` of a custom function.
        mapping: The proto <-> DSL mapping (shared by the ``run`` variants).
        check: The static check; None when the kind has nothing of its own to check.
        refusal: Why the engine does not run the kind (the load-time problem), None if it does.
        refusal_at: Where the refusal is reported, below the task's pointer.
        task_type: The ``WorkflowTaskType`` member name of its progress rows.
        in_dsl: False for a Stigmer kind with no DSL spelling of its own (``call: agent`` is a
            custom function call in a document).
        secret_sites: Where the kind's fields may read ``$secrets`` (an activity evaluates
            them), for messages; empty when nowhere.
    """

    id: str
    key: str
    mapping: ProtoMapping
    variant: str | None = None
    check: Check | None = None
    refusal: str | None = None
    refusal_at: str = ""
    task_type: str = "WORKFLOW_TASK_CUSTOM"
    in_dsl: bool = True
    secret_sites: str = ""

    @property
    def runs(self) -> bool:
        """Whether the engine runs tasks of this kind (it needs a handler)."""
        return self.in_dsl and self.refusal is None
