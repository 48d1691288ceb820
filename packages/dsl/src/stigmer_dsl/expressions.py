"""jq runtime expressions: detection, scanning and load-time checks (no evaluation).

Every expression is compiled once per (expression, bound variable names) with an envelope
``.n as $__now | .v.<name> as $<name> | ... | def now: $__now; .d | (<expr>)`` so per-call
values (``$context``, ``$input``, loop variables ...) travel in the input document instead of
forcing a recompile. ``now`` is shadowed by the workflow clock so replays see the same value.
Evaluation is the runner's (``workflow_runner.engine.evaluation``): it runs in a budgeted pool of
jq worker processes, which is runner infrastructure, not part of the language.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import jq

_RUNTIME_EXPRESSION = re.compile(r"^\s*\$\{(?P<body>.+)\}\s*$", re.DOTALL)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_WORD = re.compile(r"(?<![\w.$@])([A-Za-z_][A-Za-z0-9_]*)(?![\w])")

# Builtins whose result depends on the host, the process or extra inputs: not replay-safe.
FORBIDDEN_BUILTINS: dict[str, str] = {
    "input": "reads extra jq inputs",
    "inputs": "reads extra jq inputs",
    "input_filename": "depends on the host process",
    "input_line_number": "depends on the host process",
    "env": "reads the worker's environment",
    "debug": "writes to the worker's stderr",
    "stderr": "writes to the worker's stderr",
    "halt": "stops the jq program abruptly",
    "halt_error": "stops the jq program abruptly",
    "localtime": "depends on the worker's time zone",
    "strflocaltime": "depends on the worker's time zone",
    "get_search_list": "reads the worker's file system",
    "get_prog_origin": "reads the worker's file system",
    "get_jq_origin": "reads the worker's file system",
    "import": "loads jq modules from the worker's file system",
    "include": "loads jq modules from the worker's file system",
    "modulemeta": "loads jq modules from the worker's file system",
}
FORBIDDEN_VARIABLES: dict[str, str] = {"ENV": "reads the worker's environment"}

STANDARD_ARGUMENTS = (
    "context",
    "input",
    "output",
    "secrets",
    "task",
    "workflow",
    "runtime",
    "authorization",
)


def is_runtime_expression(value: Any) -> bool:
    """Return True for a string of the form ``${ ... }``."""
    return isinstance(value, str) and _RUNTIME_EXPRESSION.match(value) is not None


def strip_expression(text: str) -> str:
    """Return the jq source of ``${ expr }``, or the text itself for a bare jq expression."""
    match = _RUNTIME_EXPRESSION.match(text)
    return match.group("body").strip() if match else text.strip()


def is_identifier(name: str) -> bool:
    """Return True when ``name`` can be used as a jq ``$variable``."""
    return _IDENTIFIER.match(name) is not None


def code_only(expr: str) -> str:
    """Blank out string literals and comments, keeping ``\\( ... )`` interpolations as code.

    The result has the length of ``expr``: positions in it are positions in ``expr``.
    """
    out: list[str] = []
    interpolations: list[int] = []
    depth = 0
    in_string = False
    i = 0
    while i < len(expr):
        c = expr[i]
        if in_string:
            if c == "\\" and i + 1 < len(expr) and expr[i + 1] == "(":
                interpolations.append(depth)
                depth += 1
                in_string = False
                out.append(" (")
                i += 2
            elif c == "\\":
                out.append("  ")
                i += 2
            elif c == '"':
                in_string = False
                out.append('"')
                i += 1
            else:
                out.append(" ")
                i += 1
            continue
        if c == '"':
            in_string = True
        elif c == "#":
            end = expr.find("\n", i)
            end = len(expr) if end < 0 else end
            out.append(" " * (end - i))
            i = end
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if interpolations and interpolations[-1] == depth:
                interpolations.pop()
                in_string = True
        out.append(c)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def normalize(expr: str) -> str:
    """Rewrite single-quoted string literals (``'hot'``) as jq double-quoted strings.

    jq has no single-quoted strings and gives ``'`` no other meaning, while DSL authors (and
    the sdk-go test workflows) write them; the rewrite accepts them without changing valid jq.
    """
    if "'" not in expr:
        return expr
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(expr):
        c = expr[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < len(expr):
                out.append(expr[i + 1])
                i += 2
                continue
            in_string = c != '"'
            i += 1
            continue
        if c == '"':
            in_string = True
        elif c == "'":
            end = expr.find("'", i + 1)
            if end > i:
                out.append(json.dumps(expr[i + 1 : end]))
                i = end + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class ExpressionScan:
    """What a jq expression references.

    Attributes:
        variables: ``$names`` referenced (without the ``$``).
        forbidden: Human-readable reasons for non-replay-safe constructs, if any.
    """

    variables: frozenset[str]
    forbidden: tuple[str, ...]


@functools.lru_cache(maxsize=4096)
def scan(expr: str) -> ExpressionScan:
    """Scan a jq expression for variables and non-deterministic builtins (cached)."""
    code = code_only(expr)
    variables = frozenset(_VARIABLE.findall(code))
    forbidden: list[str] = []
    for name in sorted(variables):
        if name in FORBIDDEN_VARIABLES:
            forbidden.append(f"${name} {FORBIDDEN_VARIABLES[name]}")
    for match in _WORD.finditer(code):
        word = match.group(1)
        if word not in FORBIDDEN_BUILTINS:
            continue
        rest = code[match.end() :].lstrip()
        if rest.startswith(":") and not rest.startswith("::"):
            continue  # an object key such as {input: 1}
        reason = f"'{word}' {FORBIDDEN_BUILTINS[word]}"
        if reason not in forbidden:
            forbidden.append(reason)
    return ExpressionScan(variables=variables, forbidden=tuple(forbidden))


@functools.lru_cache(maxsize=4096)
def program_text(expr: str, names: tuple[str, ...]) -> str:
    """The jq program evaluating ``expr`` inside the variable envelope for ``names`` (cached)."""
    bindings = "".join(f".v.{name} as ${name} | " for name in names)
    return f".n as $__now | {bindings}def now: $__now; .d | (\n{normalize(expr)}\n)"


@functools.lru_cache(maxsize=4096)
def compiled(expr: str, names: tuple[str, ...]) -> Any:
    """Compile ``expr`` inside the variable envelope for ``names`` (cached; load-time checks).

    Raises:
        ValueError: jq rejected the program.
    """
    return jq.compile(program_text(expr, names))


def check(expr: str) -> list[str]:
    """Return problems with a jq expression: non-replay-safe builtins or a syntax error."""
    problems = replay_problems(expr)
    if problems:
        return problems
    problem = _syntax_problem(expr, check_names(expr))
    return [problem] if problem else []


def replay_problems(expr: str) -> list[str]:
    """Return the non-replay-safe builtins and variables ``expr`` uses, as problems."""
    return [f"not replay-safe: {reason}" for reason in scan(expr).forbidden]


def check_names(expr: str) -> tuple[str, ...]:
    """The variable names a load-time check binds: every standard argument and ``expr``'s own."""
    found = scan(expr).variables
    return tuple(sorted(n for n in found | set(STANDARD_ARGUMENTS) if n != "__loc__"))


def _syntax_problem(expr: str, names: tuple[str, ...]) -> str | None:
    try:
        compiled(expr, names)
    except ValueError as exc:
        return f"jq syntax error in {expr!r}: {first_line(exc)}"
    return None


_BATCH = 256
# (expression, names) pairs a batch compiled; bounded like the compile cache.
_COMPILED_IN_BATCH: dict[tuple[str, tuple[str, ...]], None] = {}
_MAX_REMEMBERED = 8192
_CLOSING = {")": "(", "]": "[", "}": "{"}


def syntax_problems(exprs: Iterable[str]) -> dict[str, str]:
    """Check the jq syntax of many expressions; return ``{expression: problem}`` for bad ones.

    The same answers as :func:`check` gives one by one (replay safety aside), much faster:
    compiling a jq program costs a few milliseconds whatever its size (jq sets up its builtins
    each time), so expressions that bind the same names compile together, each in its own
    parentheses, as one program; only a batch that fails is compiled one by one. An expression
    joins a batch only when it cannot reach its neighbours: its brackets balance, its strings
    close and it holds no ``#`` (a jq comment may continue on the next line).
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for expr in dict.fromkeys(exprs):
        names = check_names(expr)
        if (expr, names) not in _COMPILED_IN_BATCH:
            groups.setdefault(names, []).append(expr)
    problems: dict[str, str] = {}
    for names, group in groups.items():
        alone = [expr for expr in group if not _self_contained(expr)]
        together = [expr for expr in group if _self_contained(expr)]
        for start in range(0, len(together), _BATCH):
            batch = together[start : start + _BATCH]
            try:
                jq.compile(_batch_text(batch, names))
            except ValueError:
                alone.extend(batch)
                continue
            if len(_COMPILED_IN_BATCH) > _MAX_REMEMBERED:
                _COMPILED_IN_BATCH.clear()
            _COMPILED_IN_BATCH.update(dict.fromkeys((expr, names) for expr in batch))
        for expr in alone:
            problem = _syntax_problem(expr, names)
            if problem:
                problems[expr] = problem
    return problems


def _batch_text(batch: Sequence[str], names: tuple[str, ...]) -> str:
    bindings = "".join(f".v.{name} as ${name} | " for name in names)
    body = ", ".join(f"(\n{normalize(expr)}\n)" for expr in batch)
    return f".n as $__now | {bindings}def now: $__now; .d | {body}"


def _self_contained(expr: str) -> bool:
    """Whether ``expr`` in parentheses is one term: balanced brackets, closed strings, no ``#``."""
    text = normalize(expr)
    if "#" in text:
        return False
    code = code_only(text)
    if code.count('"') % 2:
        return False
    stack: list[str] = []
    for c in code:
        if c in "([{":
            stack.append(c)
        elif c in _CLOSING and (not stack or stack.pop() != _CLOSING[c]):
            return False
    return not stack


def first_line(exc: Exception | str) -> str:
    """The first line of an error message (its type name when the message is empty)."""
    text = str(exc).strip()
    if text:
        return text.splitlines()[0]
    return "jq error" if isinstance(exc, str) else type(exc).__name__


def truthy(value: Any) -> bool:
    """jq truthiness: only ``false`` and ``null`` are false."""
    return value is not None and value is not False


def expressions_in(value: Any, *, whole: bool = False) -> list[str]:
    """List the jq sources inside a value: ``${ }`` strings, or the value itself if ``whole``."""
    if isinstance(value, str):
        if whole or is_runtime_expression(value):
            return [strip_expression(value)]
        return []
    if isinstance(value, dict):
        return [e for v in value.values() for e in expressions_in(v)]
    if isinstance(value, list):
        return [e for v in value for e in expressions_in(v)]
    return []
