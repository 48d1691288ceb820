"""Load a DSL document: parse, validate against the schema, check engine support, build the tree.

Task pointers are real JSON pointers into the document, e.g. ``/do/0/loop/do/1/step`` for a
task inside a ``for`` (whose ``do`` is a sibling of ``for``), ``/do/0/f/fork/branches/1/b``,
``/do/0/t/try/0/x`` and ``/do/0/t/catch/do/0/y``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from stigmer_protos.dsl_version import dsl_version_problem

from stigmer_dsl import expressions, limits, secret_sites
from stigmer_dsl.activity_policy import ActivityNotAllowedError, AllowedActivity, task_queue_for
from stigmer_dsl.authoring import FLOW_KEYWORDS, unknown_flow_target
from stigmer_dsl.durations import to_timedelta
from stigmer_dsl.errors import DefinitionError
from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds import REGISTRY, Children, Site
from stigmer_dsl.pointers import escape_pointer_token
from stigmer_dsl.schema_validation import data_schema_problem, dsl_schema_problems
from stigmer_dsl.yaml_io import parse_yaml

SUPPORTED_KINDS: tuple[str, ...] = REGISTRY.running
"""The kinds the engine runs (derived from :data:`~stigmer_dsl.kinds.REGISTRY`)."""

_AUTH_SCHEMES = ("basic", "bearer")


@dataclass(frozen=True, eq=False)
class TaskNode:
    """One task of the document with its JSON pointer and its child task lists.

    Attributes:
        name: The task's name in its list.
        pointer: JSON pointer of the task in the document, e.g. ``/do/0/getPet``.
        kind: The task kind's id (one of :data:`SUPPORTED_KINDS` in a loaded document).
        spec: The task's definition mapping (as parsed).
        do: Sub-tasks of ``do``, ``for`` and ``try`` (the ``try`` list).
        branches: Branches of ``fork``.
        catch_do: Tasks of ``try``'s ``catch.do``.
    """

    name: str
    pointer: str
    kind: str
    spec: Mapping[str, Json]
    do: tuple[TaskNode, ...] = ()
    branches: tuple[TaskNode, ...] = ()
    catch_do: tuple[TaskNode, ...] = ()


@dataclass(frozen=True, eq=False)
class WorkflowDefinition:
    """A validated, runnable workflow document.

    Attributes:
        raw: The whole parsed document (``$workflow.definition``).
        tasks: The top-level ``do`` list.
    """

    raw: Mapping[str, Json]
    tasks: tuple[TaskNode, ...] = field(default=())

    @property
    def document(self) -> Mapping[str, Json]:
        """The ``document`` section (dsl, namespace, name, version ...)."""
        doc: Mapping[str, Json] = self.raw["document"]
        return doc

    @property
    def use(self) -> Mapping[str, Json]:
        """The ``use`` section (reusable components); empty when absent."""
        use: Mapping[str, Json] = self.raw.get("use") or {}
        return use


def load_workflow(
    yaml_text: str,
    allowed_activities: Sequence[AllowedActivity] | None = None,
    *,
    check_activity_calls: bool = True,
) -> WorkflowDefinition:
    """Parse and validate a DSL 1.0.x document and build its task tree.

    Args:
        yaml_text: The document.
        allowed_activities: The runner's ``call: activity`` allow-list: a call whose activity
            name and task queue are literals must be allowed by it. None (offline validation,
            no runner known) only rejects calls of the engine's internal activities.
        check_activity_calls: False leaves ``call: activity`` names and queues to the runner
            that loads the document (the server checks documents without knowing any runner).

    Raises:
        DefinitionError: The document cannot run; its message lists every problem found.
    """
    too_big = limits.document_problem(yaml_text)
    if too_big:
        raise DefinitionError([too_big])
    try:
        raw = parse_yaml(yaml_text)
    except Exception as exc:  # yaml raises several error classes
        raise DefinitionError([f"YAML parse error: {exc}"]) from None
    if not isinstance(raw, dict):
        raise DefinitionError(["the document must be a mapping with 'document' and 'do'"])
    problems = dsl_schema_problems(raw)
    if problems:
        raise DefinitionError(problems)
    checker = _Checker(raw, allowed_activities, check_activity_calls)
    tasks = checker.task_list(raw["do"], "/do", frozenset())
    checker.workflow_level()
    checker.expression_syntax()
    checker.problems.extend(limits.tree_problems(tasks))
    if checker.problems:
        raise DefinitionError(checker.problems)
    return WorkflowDefinition(raw=raw, tasks=tasks)


class _Checker:
    """Walks the document, collecting support problems and building :class:`TaskNode`s."""

    def __init__(
        self,
        raw: Mapping[str, Json],
        allowed_activities: Sequence[AllowedActivity] | None,
        check_activity_calls: bool = True,
    ) -> None:
        self.raw = raw
        self.allowed_activities = allowed_activities
        self.check_activity_calls = check_activity_calls
        self.use: Mapping[str, Json] = raw.get("use") or {}
        self.problems: list[str] = []
        self.calling: set[str] = set()
        self.pending_syntax: list[tuple[int, str, str]] = []

    def problem(self, pointer: str, message: str) -> None:
        self.problems.append(f"{pointer}: {message}")

    def expression_syntax(self) -> None:
        """Compile the expressions met on the walk and put each syntax error in its place."""
        bad = expressions.syntax_problems(expr for _, _, expr in self.pending_syntax)
        for index, pointer, expr in reversed(self.pending_syntax):
            if expr in bad:
                self.problems.insert(index, f"{pointer}: {bad[expr]}")
        self.pending_syntax.clear()

    def expression(
        self, pointer: str, value: Json, *, whole: bool, secrets_ok: bool = False
    ) -> None:
        for expr in expressions.expressions_in(value, whole=whole):
            too_long = limits.expression_problem(expr)
            if too_long:
                self.problem(pointer, too_long)
                continue
            replay = expressions.replay_problems(expr)
            for issue in replay:
                self.problem(pointer, issue)
            if not replay:
                # Compiled together at the end; the problem takes this place in the list.
                self.pending_syntax.append((len(self.problems), pointer, expr))
            if not secrets_ok and secret_sites.references_secrets(expr):
                self.problem(
                    pointer,
                    "$secrets can only be used where an activity evaluates the value ("
                    + "; ".join(secret_sites.SECRET_SITES)
                    + "), so that secret values never enter Temporal history",
                )

    def workflow_level(self) -> None:
        document = self.raw.get("document")
        dsl_problem = dsl_version_problem(
            document.get("dsl") if isinstance(document, dict) else None
        )
        if dsl_problem:
            self.problem("/document/dsl", dsl_problem)
        evaluate = self.raw.get("evaluate") or {}
        if evaluate.get("language", "jq") != "jq":
            self.problem("/evaluate/language", "only jq runtime expressions are supported")
        if evaluate.get("mode", "strict") != "strict":
            self.problem("/evaluate/mode", "only the strict evaluation mode is supported")
        if self.use.get("extensions"):
            self.problem("/use/extensions", "extensions are not supported yet")
        self.data_io("", self.raw)
        self.timeout("", self.raw.get("timeout"))

    def data_io(self, pointer: str, spec: Mapping[str, Json]) -> None:
        for section, key in (("input", "from"), ("output", "as"), ("export", "as")):
            conf = spec.get(section)
            if not isinstance(conf, dict):
                continue
            if key in conf:
                # input.from gets $secrets as references (engine/secret_references.py)
                self.expression(
                    f"{pointer}/{section}/{key}", conf[key], whole=True, secrets_ok=key == "from"
                )
            schema = conf.get("schema")
            if isinstance(schema, dict):
                at = f"{pointer}/{section}/schema"
                if "document" not in schema:
                    self.problem(at, "external schema resources are not supported yet")
                elif str(schema.get("format", "json")).split(":")[0] != "json":
                    self.problem(at, "only 'json' schemas are supported")
                else:
                    issue = data_schema_problem(schema["document"])
                    if issue:
                        self.problem(at, issue)

    def duration(self, pointer: str, value: Json) -> None:
        if expressions.is_runtime_expression(value):
            self.expression(pointer, value, whole=False)
            return
        try:
            to_timedelta(value)
        except ValueError as exc:
            self.problem(pointer, str(exc))

    def timeout(self, pointer: str, value: Json) -> None:
        if value is None:
            return
        at = f"{pointer}/timeout"
        if isinstance(value, str):
            timeouts = self.use.get("timeouts") or {}
            if value not in timeouts:
                self.problem(at, f"timeout {value!r} is not defined in use.timeouts")
            return
        self.duration(f"{at}/after", value.get("after"))

    def task_list(
        self, items: Iterable[Mapping[str, Json]], pointer: str, variables: frozenset[str]
    ) -> tuple[TaskNode, ...]:
        entries = [next(iter(item.items())) for item in items]
        names = [name for name, _ in entries]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                self.problem(pointer, f"duplicate task name {name!r} in the same task list")
            seen.add(name)
        nodes = []
        for index, (name, spec) in enumerate(entries):
            at = f"{pointer}/{index}/{escape_pointer_token(name)}"
            nodes.append(self.task(name, spec, at, names, variables))
        return tuple(nodes)

    def flow(self, pointer: str, target: Json, names: list[str]) -> None:
        if target in FLOW_KEYWORDS or target is None:
            return
        if target not in names:
            self.problem(pointer, unknown_flow_target(str(target), names))

    def task(
        self,
        name: str,
        spec: Mapping[str, Json],
        pointer: str,
        names: list[str],
        variables: frozenset[str],
    ) -> TaskNode:
        if "if" in spec:
            self.expression(f"{pointer}/if", spec["if"], whole=True)
        self.data_io(pointer, spec)
        self.timeout(pointer, spec.get("timeout"))
        self.flow(f"{pointer}/then", spec.get("then"), names)
        kind = REGISTRY.of_task(spec)
        if kind is None:
            self.problem(pointer, "unrecognised task kind")
            return TaskNode(name, pointer, "unknown", spec)
        children = Children()
        if kind.check is not None:
            children = kind.check(self, Site(name, spec, pointer, names, variables))
        refusal = REGISTRY.refusal(kind)
        if refusal is not None:
            self.problem(f"{pointer}/{kind.refusal_at}", refusal)
        return TaskNode(
            name,
            pointer,
            kind.id,
            spec,
            do=children.do,
            branches=children.branches,
            catch_do=children.catch_do,
        )

    def function_entered(self, name: str) -> bool:
        if name in self.calling:
            return False
        self.calling.add(name)
        return True

    def function_left(self, name: str) -> None:
        self.calling.discard(name)

    def activity_allowed(self, pointer: str, args: Mapping[str, Json]) -> None:
        """Check a ``call: activity`` whose name is a literal (expressions: at run time)."""
        if not self.check_activity_calls:
            return
        activity = args.get("name")
        if not isinstance(activity, str) or expressions.is_runtime_expression(activity):
            return
        queue = args.get("taskQueue")
        # A queue given by an expression is checked at run time; the name can be checked now.
        queue_known = queue is None or (
            isinstance(queue, str) and not expressions.is_runtime_expression(queue)
        )
        try:
            task_queue_for(
                self.allowed_activities if queue_known else None,
                activity,
                str(queue) if queue_known and queue else None,
            )
        except ActivityNotAllowedError as exc:
            self.problem(pointer, str(exc))

    def authentication(self, pointer: str, auth: Json) -> None:
        if auth is None:
            return
        if isinstance(auth, dict) and "use" in auth:
            named = (self.use.get("authentications") or {}).get(auth["use"])
            if named is None:
                self.problem(
                    pointer, f"authentication {auth['use']!r} is not defined in use.authentications"
                )
                return
            auth = named
        schemes = [k for k in auth if k != "use"] if isinstance(auth, dict) else []
        for scheme in schemes:
            if scheme not in _AUTH_SCHEMES:
                self.problem(
                    pointer, f"{scheme} authentication is not supported yet (basic, bearer are)"
                )
