"""Authoring diagnostics: the common DSL typos, named in words instead of raw schema errors.

A misspelt task kind (``sett:``) or property (``thn:``, ``with: {methd: get}``) makes the
schema's task ``oneOf`` fail as a whole: the validator reports "is not valid under any of the
schemas listed in the 'oneOf' keyword" and "Unevaluated properties are not allowed" on the
task. :func:`explain_schema_errors` replaces those with one message per offending key and a
close-match suggestion. Which kinds, properties and call arguments exist is read from the DSL
schema itself, so the hints follow the schema. Only tasks the schema rejected get hints, so a
valid document never gets one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stigmer_dsl.pointers import escape_pointer_token

FLOW_KEYWORDS = ("continue", "exit", "end")
"""The ``then`` values that name no task."""


@dataclass(frozen=True)
class _Variant:
    """One form of task the schema allows.

    Attributes:
        kind: The key naming the kind (``set``, ``call``...).
        call: The ``call`` constant of a call form (``http``), None for other forms.
        properties: Every key allowed on the task.
        arguments: The keys allowed in ``with``, or None when ``with`` is open or absent.
    """

    kind: str
    call: str | None
    properties: frozenset[str]
    arguments: frozenset[str] | None


@dataclass(frozen=True)
class TaskVocabulary:
    """What the schema allows on a task: built by :func:`task_vocabulary`.

    Attributes:
        base: Keys every task may have (``if``, ``then``...).
        variants: Every task form.
        kinds: The kind keys, in the schema's order.
    """

    base: frozenset[str]
    variants: tuple[_Variant, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Hint:
    """A readable problem that stands for the raw schema errors of one task.

    Attributes:
        pointer: JSON pointer of the offending key.
        task: Pointer of the task it belongs to.
        enclosing: Pointers of the tasks around that task (outermost first).
        message: What is wrong, with a suggestion when one is close.
    """

    pointer: str
    task: str
    enclosing: tuple[str, ...]
    message: str


def did_you_mean(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate closest to ``word`` (difflib), or None when none is close."""
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_flow_target(target: str, names: Sequence[str]) -> str:
    """The message for a ``then`` that names no task of its scope."""
    close = did_you_mean(target, [*names, *FLOW_KEYWORDS])
    suggestion = f" (did you mean `{close}`?)" if close else ""
    known = ", ".join(f"`{name}`" for name in names)
    return (
        f"`then` targets unknown task `{target}`{suggestion}; tasks in this scope: {known}; "
        f"or {', '.join(f'`{k}`' for k in FLOW_KEYWORDS)}"
    )


def explain_schema_errors(
    document: Mapping[str, Any],
    errors: Sequence[tuple[str, str]],
    vocabulary: TaskVocabulary,
) -> list[tuple[str, str]]:
    """Replace the raw schema errors of mistyped tasks by one readable problem per typo.

    Args:
        document: The parsed workflow document.
        errors: The validator's ``(pointer, message)`` pairs.
        vocabulary: What the schema allows on tasks (:func:`task_vocabulary`).

    Returns:
        ``(pointer, message)`` pairs: the hints first, then the errors no hint explains.
    """
    if not isinstance(document.get("do"), list):
        return list(errors)
    failing = [pointer for pointer, _ in errors]
    hints = [
        hint
        for hint in _hints(document["do"], "/do", (), vocabulary)
        # A task inside a rejected one is only reported on the outermost task's oneOf.
        if any(p in (hint.task, *hint.enclosing) or p.startswith(hint.task + "/") for p in failing)
    ]
    if not hints:
        return list(errors)

    def explained(pointer: str) -> bool:
        return any(
            pointer in hint.enclosing or pointer == hint.task or pointer.startswith(hint.task + "/")
            for hint in hints
        )

    kept = [(pointer, message) for pointer, message in errors if not explained(pointer)]
    return [(hint.pointer, hint.message) for hint in hints] + kept


def _hints(
    items: Any, pointer: str, enclosing: tuple[str, ...], vocabulary: TaskVocabulary
) -> Iterator[Hint]:
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if not isinstance(item, dict) or len(item) != 1:
            continue
        ((name, spec),) = item.items()
        at = f"{pointer}/{index}/{escape_pointer_token(str(name))}"
        if not isinstance(spec, dict):
            continue
        yield from _task_hints(spec, at, enclosing, vocabulary)
        inner = (*enclosing, at)
        yield from _hints(spec.get("do"), f"{at}/do", inner, vocabulary)
        yield from _hints(spec.get("try"), f"{at}/try", inner, vocabulary)
        catch, fork = spec.get("catch"), spec.get("fork")
        if isinstance(catch, dict):
            yield from _hints(catch.get("do"), f"{at}/catch/do", inner, vocabulary)
        if isinstance(fork, dict):
            yield from _hints(fork.get("branches"), f"{at}/fork/branches", inner, vocabulary)


def _task_hints(
    spec: Mapping[str, Any], at: str, enclosing: tuple[str, ...], vocabulary: TaskVocabulary
) -> Iterator[Hint]:
    keys = [str(key) for key in spec]
    kinds = [key for key in keys if key in vocabulary.kinds]
    if len(kinds) > 1:
        return
    expected = "expected one of " + ", ".join(f"`{k}`" for k in vocabulary.kinds)
    if not kinds and all(key in vocabulary.base for key in keys):
        yield Hint(at, at, enclosing, f"task has no kind ({expected})")
        return
    if not kinds:
        for key in keys:
            if key in vocabulary.base:
                continue
            kind = did_you_mean(key, vocabulary.kinds)
            prop = did_you_mean(key, sorted(vocabulary.base))
            if prop and not kind:
                message = f"unknown property `{key}` of a task (did you mean `{prop}`?)"
                yield Hint(f"{at}/{escape_pointer_token(key)}", at, enclosing, message)
                continue
            suggestion = f"did you mean `{kind}`?" if kind else expected
            yield Hint(at, at, enclosing, f"unknown task kind `{key}` ({suggestion})")
        return
    variant = _variant_of(vocabulary, kinds[0], spec.get("call"))
    if variant is None:
        return
    what = f"`call: {variant.call}`" if variant.call else f"`{variant.kind}`"
    for key in keys:
        if key not in variant.properties:
            close = did_you_mean(key, sorted(variant.properties))
            suggestion = f" (did you mean `{close}`?)" if close else ""
            message = f"unknown property `{key}` of a {what} task{suggestion}"
            yield Hint(f"{at}/{escape_pointer_token(key)}", at, enclosing, message)
    arguments = spec.get("with")
    if variant.arguments is not None and isinstance(arguments, dict):
        for key in (str(k) for k in arguments):
            if key not in variant.arguments:
                close = did_you_mean(key, sorted(variant.arguments))
                suggestion = f" (did you mean `{close}`?)" if close else ""
                message = f"unknown argument `{key}` of {what}{suggestion}"
                yield Hint(f"{at}/with/{escape_pointer_token(key)}", at, enclosing, message)


def _variant_of(vocabulary: TaskVocabulary, kind: str, call: Any) -> _Variant | None:
    forms = [v for v in vocabulary.variants if v.kind == kind]
    if kind != "call":
        return forms[0] if forms else None
    named = [v for v in forms if v.call is not None and v.call == call]
    generic = [v for v in forms if v.call is None]
    chosen = named or generic
    return chosen[0] if chosen else None


def task_vocabulary(schema: Mapping[str, Any]) -> TaskVocabulary:
    """Read the task kinds, their properties and closed call arguments from the DSL schema."""
    defs = schema["$defs"]
    base = frozenset(defs["taskBase"]["properties"])
    variants: list[_Variant] = []
    for ref in defs["task"]["oneOf"]:
        form = defs[ref["$ref"].rsplit("/", 1)[-1]]
        for variant in form.get("oneOf", [form]):
            own: dict[str, Any] = {}
            for part in variant.get("allOf", ()):
                own.update(part.get("properties", {}))
            kind = variant["required"][0]
            call = own.get("call", {}).get("const") if kind == "call" else None
            variants.append(_Variant(kind, call, base | frozenset(own), _closed_keys(own)))
    kinds = tuple(dict.fromkeys(v.kind for v in variants))
    return TaskVocabulary(base, tuple(variants), kinds)


def _closed_keys(properties: Mapping[str, Any]) -> frozenset[str] | None:
    arguments = properties.get("with")
    if not isinstance(arguments, dict) or "properties" not in arguments:
        return None
    closed = (
        arguments.get("unevaluatedProperties") is False
        or arguments.get("additionalProperties") is False
    )
    return frozenset(arguments["properties"]) if closed else None
