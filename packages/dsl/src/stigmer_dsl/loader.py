"""Load a DSL document: parse, validate against the schema, check engine support, build the tree.

Task pointers are real JSON pointers into the document, e.g. ``/do/0/loop/do/1/step`` for a
task inside a ``for`` (whose ``do`` is a sibling of ``for``), ``/do/0/f/fork/branches/1/b``,
``/do/0/t/try/0/x`` and ``/do/0/t/catch/do/0/y``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stigmer_protos.dsl_version import dsl_version_problem

from stigmer_dsl import expressions, filter_patterns, limits, secret_sites
from stigmer_dsl.activity_policy import ActivityNotAllowedError, AllowedActivity, task_queue_for
from stigmer_dsl.authoring import FLOW_KEYWORDS, unknown_flow_target
from stigmer_dsl.durations import to_timedelta
from stigmer_dsl.errors import DefinitionError
from stigmer_dsl.schema_validation import data_schema_problem, dsl_schema_problems
from stigmer_dsl.yaml_io import parse_yaml

SUPPORTED_KINDS = (
    "call.grpc",
    "call.http",
    "call.openapi",
    "call.activity",
    "call.function",
    "do",
    "emit",
    "for",
    "fork",
    "listen",
    "raise",
    "run.shell",
    "run.script",
    "set",
    "switch",
    "try",
    "wait",
)
_AUTH_SCHEMES = ("basic", "bearer")
_SCRIPT_LANGUAGES = ("python", "js", "javascript")
_READ_MODES = ("data", "envelope", "raw")
_RUN_RETURNS = ("stdout", "stderr", "code", "all", "none")


def endpoint_of(resource: Mapping[str, Any]) -> Any:
    """The URI of an ``externalResource``'s ``endpoint`` (a string or ``{uri}``), if any."""
    endpoint = resource.get("endpoint")
    if isinstance(endpoint, dict):
        endpoint = endpoint.get("uri")
    return endpoint if isinstance(endpoint, str) and endpoint else None


def escape_pointer_token(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True, eq=False)
class TaskNode:
    """One task of the document with its JSON pointer and its child task lists.

    Attributes:
        name: The task's name in its list.
        pointer: JSON pointer of the task in the document, e.g. ``/do/0/getPet``.
        kind: One of :data:`SUPPORTED_KINDS`.
        spec: The task's definition mapping (as parsed).
        do: Sub-tasks of ``do``, ``for`` and ``try`` (the ``try`` list).
        branches: Branches of ``fork``.
        catch_do: Tasks of ``try``'s ``catch.do``.
    """

    name: str
    pointer: str
    kind: str
    spec: Mapping[str, Any]
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

    raw: Mapping[str, Any]
    tasks: tuple[TaskNode, ...] = field(default=())

    @property
    def document(self) -> Mapping[str, Any]:
        """The ``document`` section (dsl, namespace, name, version ...)."""
        doc: Mapping[str, Any] = self.raw["document"]
        return doc

    @property
    def use(self) -> Mapping[str, Any]:
        """The ``use`` section (reusable components); empty when absent."""
        use: Mapping[str, Any] = self.raw.get("use") or {}
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
        raw: Mapping[str, Any],
        allowed_activities: Sequence[AllowedActivity] | None,
        check_activity_calls: bool = True,
    ) -> None:
        self.raw = raw
        self.allowed_activities = allowed_activities
        self.check_activity_calls = check_activity_calls
        self.use: Mapping[str, Any] = raw.get("use") or {}
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
        self, pointer: str, value: Any, *, whole: bool, secrets_ok: bool = False
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

    def data_io(self, pointer: str, spec: Mapping[str, Any]) -> None:
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

    def duration(self, pointer: str, value: Any) -> None:
        if expressions.is_runtime_expression(value):
            self.expression(pointer, value, whole=False)
            return
        try:
            to_timedelta(value)
        except ValueError as exc:
            self.problem(pointer, str(exc))

    def timeout(self, pointer: str, value: Any) -> None:
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
        self, items: Iterable[Mapping[str, Any]], pointer: str, variables: frozenset[str]
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

    def flow(self, pointer: str, target: Any, names: list[str]) -> None:
        if target in FLOW_KEYWORDS or target is None:
            return
        if target not in names:
            self.problem(pointer, unknown_flow_target(str(target), names))

    def task(
        self,
        name: str,
        spec: Mapping[str, Any],
        pointer: str,
        names: list[str],
        variables: frozenset[str],
    ) -> TaskNode:
        if "if" in spec:
            self.expression(f"{pointer}/if", spec["if"], whole=True)
        self.data_io(pointer, spec)
        self.timeout(pointer, spec.get("timeout"))
        self.flow(f"{pointer}/then", spec.get("then"), names)
        if "call" in spec:
            return self.call(name, spec, pointer, variables)
        if "emit" in spec:
            self.expression(f"{pointer}/emit/event/with", spec["emit"]["event"], whole=False)
            return TaskNode(name, pointer, "emit", spec)
        if "listen" in spec:
            return self.listen(name, spec, pointer, variables)
        if "run" in spec:
            return self.run(name, spec, pointer)
        if "set" in spec:
            self.expression(f"{pointer}/set", spec["set"], whole=False)
            return TaskNode(name, pointer, "set", spec)
        if "switch" in spec:
            return self.switch(name, spec, pointer, names)
        if "raise" in spec:
            return self.raise_(name, spec, pointer)
        if "wait" in spec:
            self.duration(f"{pointer}/wait", spec["wait"])
            return TaskNode(name, pointer, "wait", spec)
        if "for" in spec:
            return self.for_(name, spec, pointer, variables)
        if "fork" in spec:
            branches = self.task_list(
                spec["fork"]["branches"], f"{pointer}/fork/branches", variables
            )
            return TaskNode(name, pointer, "fork", spec, branches=branches)
        if "try" in spec:
            return self.try_(name, spec, pointer, variables)
        if "do" in spec:
            children = self.task_list(spec["do"], f"{pointer}/do", variables)
            return TaskNode(name, pointer, "do", spec, do=children)
        self.problem(pointer, "unrecognised task kind")
        return TaskNode(name, pointer, "unknown", spec)

    def call(
        self, name: str, spec: Mapping[str, Any], pointer: str, variables: frozenset[str]
    ) -> TaskNode:
        target = str(spec["call"])
        args = spec.get("with") or {}
        if target == "http":
            self.expression(f"{pointer}/with", args, whole=False, secrets_ok=True)
            endpoint = args.get("endpoint")
            if isinstance(endpoint, dict):
                self.authentication(
                    f"{pointer}/with/endpoint/authentication", endpoint.get("authentication")
                )
            return TaskNode(name, pointer, "call.http", spec)
        if target == "openapi":
            for key, value in args.items():
                self.expression(
                    f"{pointer}/with/{key}", value, whole=False, secrets_ok=key == "authentication"
                )
            self.authentication(f"{pointer}/with/authentication", args.get("authentication"))
            return TaskNode(name, pointer, "call.openapi", spec)
        if target == "grpc":
            return self.grpc(name, spec, pointer, args)
        if target == "activity":
            self.expression(f"{pointer}/with", args, whole=False)
            if not isinstance(args.get("name"), str) or not args.get("name"):
                self.problem(f"{pointer}/with/name", "call: activity needs with.name (a string)")
            arguments = args.get("arguments", [])
            if not isinstance(arguments, list | dict | str):
                self.problem(f"{pointer}/with/arguments", "arguments must be a list or object")
            if self.check_activity_calls:
                self.activity_allowed(pointer, args)
            return TaskNode(name, pointer, "call.activity", spec)
        if target in ("asyncapi", "a2a", "mcp"):
            self.problem(
                f"{pointer}/call",
                f"call {target!r} is not supported yet (supported: http, openapi, grpc, activity, "
                "use.functions)",
            )
            return TaskNode(name, pointer, f"call.{target}", spec)
        return self.function_call(name, spec, pointer, variables)

    def activity_allowed(self, pointer: str, args: Mapping[str, Any]) -> None:
        """Check a ``call: activity`` whose name is a literal (expressions: at run time)."""
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

    def grpc(
        self, name: str, spec: Mapping[str, Any], pointer: str, args: Mapping[str, Any]
    ) -> TaskNode:
        at = f"{pointer}/with"
        proto = args.get("proto")
        if not isinstance(proto, dict) or endpoint_of(proto) is None:
            self.problem(f"{at}/proto", "call: grpc needs with.proto.endpoint (the .proto file)")
        else:
            self.expression(f"{at}/proto", proto, whole=False)
        service = args.get("service")
        if not isinstance(service, dict):
            self.problem(f"{at}/service", "call: grpc needs with.service {name, host, port?}")
            service = {}
        for key in ("name", "host"):
            if not isinstance(service.get(key), str) or not service.get(key):
                self.problem(f"{at}/service/{key}", f"service.{key} must be a non-empty string")
        if service.get("port") == 0:
            self.problem(f"{at}/service/port", "service.port must be between 1 and 65535")
        for key in ("name", "host"):
            self.expression(f"{at}/service/{key}", service.get(key), whole=False)
        auth = service.get("authentication")
        self.expression(f"{at}/service/authentication", auth, whole=False, secrets_ok=True)
        self.authentication(f"{at}/service/authentication", auth)
        self.expression(f"{at}/method", args.get("method"), whole=False)
        arguments = args.get("arguments") or {}
        self.expression(f"{at}/arguments", arguments, whole=False, secrets_ok=True)
        return TaskNode(name, pointer, "call.grpc", spec)

    def function_call(
        self, name: str, spec: Mapping[str, Any], pointer: str, variables: frozenset[str]
    ) -> TaskNode:
        target = str(spec["call"])
        functions = self.use.get("functions") or {}
        if target not in functions:
            reason = (
                "function catalogs are not supported yet"
                if "@" in target
                else "it is not defined in use.functions"
            )
            self.problem(f"{pointer}/call", f"cannot call function {target!r}: {reason}")
            return TaskNode(name, pointer, "call.function", spec)
        self.expression(f"{pointer}/with", spec.get("with") or {}, whole=False)
        at = f"/use/functions/{escape_pointer_token(target)}"
        if target in self.calling:
            self.problem(f"{pointer}/call", f"function {target!r} calls itself (recursion)")
            return TaskNode(name, pointer, "call.function", spec)
        self.calling.add(target)
        try:
            function = self.task(target, functions[target], at, [target], variables)
        finally:
            self.calling.discard(target)
        return TaskNode(name, pointer, "call.function", spec, do=(function,))

    def listen(
        self, name: str, spec: Mapping[str, Any], pointer: str, variables: frozenset[str]
    ) -> TaskNode:
        listen = spec["listen"]
        at = f"{pointer}/listen"
        self.strategy(f"{at}/to", listen["to"], top=True)
        if listen.get("read", "data") not in _READ_MODES:
            self.problem(f"{at}/read", f"read must be one of {', '.join(_READ_MODES)}")
        foreach = spec.get("foreach") or listen.get("foreach")
        children: tuple[TaskNode, ...] = ()
        if isinstance(foreach, dict):
            fpointer = f"{pointer}/foreach" if "foreach" in spec else f"{at}/foreach"
            names = {str(foreach.get("item", "item")), str(foreach.get("at", "index"))}
            for var in names:
                if not expressions.is_identifier(var):
                    self.problem(fpointer, f"{var!r} is not a valid variable name")
            self.data_io(fpointer, foreach)
            children = self.task_list(foreach.get("do") or [], f"{fpointer}/do", variables | names)
        return TaskNode(name, pointer, "listen", spec, do=children)

    def strategy(self, pointer: str, strategy: Any, *, top: bool) -> None:
        if not isinstance(strategy, dict):
            self.problem(pointer, "expected an event consumption strategy")
            return
        filters: list[tuple[str, Any]] = []
        if "one" in strategy:
            filters.append((f"{pointer}/one", strategy["one"]))
        for key in ("all", "any"):
            for index, item in enumerate(strategy.get(key) or []):
                filters.append((f"{pointer}/{key}/{index}", item))
        for at, item in filters:
            if isinstance(item, dict) and item.get("correlate"):
                self.problem(f"{at}/correlate", "event correlation is not supported yet")
            if isinstance(item, dict):
                self.expression(f"{at}/with", item.get("with") or {}, whole=False)
                self.patterns(f"{at}/with", item.get("with") or {})
        until = strategy.get("until")
        if until is None:
            return
        if not top:
            self.problem(f"{pointer}/until", "nested until is not allowed")
        elif isinstance(until, str):
            self.expression(f"{pointer}/until", until, whole=True)
        elif isinstance(until, dict):
            self.strategy(f"{pointer}/until", until, top=False)

    def patterns(self, pointer: str, properties: Mapping[str, Any]) -> None:
        for key, value in properties.items():
            pattern = filter_patterns.pattern_of(value)
            problem = None if pattern is None else filter_patterns.pattern_problem(pattern)
            if problem:
                self.problem(f"{pointer}/{escape_pointer_token(str(key))}", problem)

    def run(self, name: str, spec: Mapping[str, Any], pointer: str) -> TaskNode:
        process = spec["run"]
        at = f"{pointer}/run"
        if process.get("return", "stdout") not in _RUN_RETURNS:
            self.problem(f"{at}/return", f"return must be one of {', '.join(_RUN_RETURNS)}")
        if "container" in process:
            self.problem(
                f"{at}/container",
                "run: container is not supported (the worker runs no container runtime); use "
                "run: shell or run: script",
            )
            return TaskNode(name, pointer, "run.container", spec)
        if "workflow" in process:
            self.problem(
                f"{at}/workflow",
                "run: workflow is not supported yet: the engine has no registry to resolve "
                "another DSL document by namespace/name/version",
            )
            return TaskNode(name, pointer, "run.workflow", spec)
        kind = "shell" if "shell" in process else "script"
        body = process.get(kind) or {}
        for key in ("stdin", "arguments", "environment"):
            if key in body:
                self.expression(f"{at}/{kind}/{key}", body[key], whole=False, secrets_ok=True)
        if kind == "shell" and expressions.is_runtime_expression(body.get("command")):
            self.expression(f"{at}/shell/command", body["command"], whole=False)
        if kind == "script":
            language = str(body.get("language", "")).lower()
            if language not in _SCRIPT_LANGUAGES:
                self.problem(
                    f"{at}/script/language",
                    f"script language {language!r} is not supported (js, javascript, python)",
                )
            if body.get("code") is None and body.get("source") is None:
                self.problem(f"{at}/script", "a script needs code or source")
        return TaskNode(name, pointer, f"run.{kind}", spec)

    def authentication(self, pointer: str, auth: Any) -> None:
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

    def switch(
        self, name: str, spec: Mapping[str, Any], pointer: str, names: list[str]
    ) -> TaskNode:
        defaults = 0
        for index, item in enumerate(spec["switch"]):
            case_name, case = next(iter(item.items()))
            at = f"{pointer}/switch/{index}/{escape_pointer_token(case_name)}"
            if "when" in case:
                self.expression(f"{at}/when", case["when"], whole=True)
            else:
                defaults += 1
            self.flow(f"{at}/then", case.get("then"), names)
        if defaults > 1:
            self.problem(f"{pointer}/switch", "only one default case (without 'when') is allowed")
        return TaskNode(name, pointer, "switch", spec)

    def raise_(self, name: str, spec: Mapping[str, Any], pointer: str) -> TaskNode:
        error = spec["raise"]["error"]
        if isinstance(error, str):
            if error not in (self.use.get("errors") or {}):
                self.problem(
                    f"{pointer}/raise/error", f"error {error!r} is not defined in use.errors"
                )
        else:
            self.expression(f"{pointer}/raise/error", error, whole=False)
        return TaskNode(name, pointer, "raise", spec)

    def for_(
        self, name: str, spec: Mapping[str, Any], pointer: str, variables: frozenset[str]
    ) -> TaskNode:
        loop = spec["for"]
        self.expression(f"{pointer}/for/in", loop["in"], whole=True)
        if "while" in spec:
            self.expression(f"{pointer}/while", spec["while"], whole=True)
        names = []
        for key, default in (("each", "item"), ("at", "index")):
            var = str(loop.get(key, default))
            if not expressions.is_identifier(var):
                self.problem(f"{pointer}/for/{key}", f"{var!r} is not a valid variable name")
            names.append(var)
        children = self.task_list(spec["do"], f"{pointer}/do", variables | set(names))
        return TaskNode(name, pointer, "for", spec, do=children)

    def try_(
        self, name: str, spec: Mapping[str, Any], pointer: str, variables: frozenset[str]
    ) -> TaskNode:
        catch = spec["catch"]
        var = str(catch.get("as", "error"))
        if not expressions.is_identifier(var):
            self.problem(f"{pointer}/catch/as", f"{var!r} is not a valid variable name")
        for key in ("when", "exceptWhen"):
            if key in catch:
                self.expression(f"{pointer}/catch/{key}", catch[key], whole=True)
        retry = catch.get("retry")
        if isinstance(retry, str):
            if retry not in (self.use.get("retries") or {}):
                self.problem(
                    f"{pointer}/catch/retry",
                    f"retry policy {retry!r} is not defined in use.retries",
                )
                retry = None
            else:
                retry = self.use["retries"][retry]
        if isinstance(retry, dict):
            self.retry(f"{pointer}/catch/retry", retry)
        children = self.task_list(spec["try"], f"{pointer}/try", variables)
        handlers = self.task_list(catch.get("do") or [], f"{pointer}/catch/do", variables | {var})
        return TaskNode(name, pointer, "try", spec, do=children, catch_do=handlers)

    def retry(self, pointer: str, policy: Mapping[str, Any]) -> None:
        for key in ("when", "exceptWhen"):
            if key in policy:
                self.expression(f"{pointer}/{key}", policy[key], whole=True)
        if "delay" in policy:
            self.duration(f"{pointer}/delay", policy["delay"])
        limit = policy.get("limit") or {}
        if "duration" in limit:
            self.duration(f"{pointer}/limit/duration", limit["duration"])
        attempt = limit.get("attempt") or {}
        if "duration" in attempt:
            self.duration(f"{pointer}/limit/attempt/duration", attempt["duration"])
        jitter = policy.get("jitter")
        if isinstance(jitter, dict):
            self.duration(f"{pointer}/jitter/from", jitter["from"])
            self.duration(f"{pointer}/jitter/to", jitter["to"])
