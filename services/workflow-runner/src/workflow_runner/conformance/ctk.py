"""The Serverless Workflow CTK: Gherkin feature parsing and the binding of every step sentence.

The CTK README's step catalogue is bound here as pure assertions over an :class:`Observation`
(the outcome of one run: output or error, and the progress rows in the order tasks started), so
the pytest runner and the report command share one definition of what each sentence means.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXTERNAL_HOSTS = ("https://petstore.swagger.io", "https://httpbin.org")
"""Hosts the CTK calls; :func:`rewrite_hosts` points them at a loopback stub."""


@dataclass(frozen=True)
class Step:
    """One step: its keyword (``Given`` ...), its sentence and its doc string, if any."""

    keyword: str
    text: str
    doc: str | None = None


@dataclass(frozen=True)
class Scenario:
    """One CTK scenario.

    Attributes:
        feature: The feature file stem (``call``, ``flow`` ...).
        name: The scenario title.
        steps: Every step in order.
    """

    feature: str
    name: str
    steps: tuple[Step, ...]

    @property
    def id(self) -> str:
        """``feature:Scenario Name``."""
        return f"{self.feature}:{self.name}"


@dataclass(frozen=True)
class TaskRow:
    """A task as the assertions see it: name, status, output and error, in start order."""

    name: str
    status: str
    output: Any = None
    error: dict[str, Any] | None = None


@dataclass
class Observation:
    """The outcome of executing a scenario's workflow.

    Attributes:
        output: The workflow output when it completed.
        error: The RFC 7807 error dict when it faulted.
        cancelled: Whether the run was cancelled.
        tasks: Progress rows (task name, status ...) in the order the tasks started.
    """

    output: Any = None
    error: dict[str, Any] | None = None
    cancelled: bool = False
    tasks: list[TaskRow] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        """True when the workflow ran to completion."""
        return self.error is None and not self.cancelled


@dataclass
class Arrangement:
    """What the Arrange steps set up: the definition text and the workflow input."""

    definition: str = ""
    input: Any = None


class UnboundStepError(AssertionError):
    """A step sentence the runner does not know (every CTK sentence must be bound)."""


def parse_feature(path: Path) -> list[Scenario]:
    """Parse one ``.feature`` file into scenarios (doc strings dedented, comments dropped)."""
    scenarios: list[Scenario] = []
    name: str | None = None
    steps: list[Step] = []
    lines = path.read_text().splitlines()
    i = 0

    def close() -> None:
        if name is not None:
            scenarios.append(Scenario(path.stem, name, tuple(steps)))

    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("Scenario:"):
            close()
            name, steps = line.removeprefix("Scenario:").strip(), []
            continue
        if name is None:
            continue
        keyword, _, text = line.partition(" ")
        doc: str | None = None
        if i < len(lines) and lines[i].strip().startswith('"""'):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == '"""')
            doc = textwrap.dedent("\n".join(lines[i + 1 : end]))
            i = end + 1
        steps.append(Step(keyword, text.strip(), doc))
    close()
    return scenarios


def load_scenarios(features_dir: Path) -> list[Scenario]:
    """Every scenario of every ``*.feature`` file in ``features_dir``, sorted by file name."""
    return [sc for path in sorted(features_dir.glob("*.feature")) for sc in parse_feature(path)]


def rewrite_hosts(text: str, base_url: str) -> str:
    """Point the CTK's external hosts at ``base_url`` (a loopback stub serving the same paths)."""
    for host in EXTERNAL_HOSTS:
        text = text.replace(host, base_url)
    return text


def _yaml(doc: str | None) -> Any:
    return yaml.safe_load(doc or "null")


def _path(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
            continue
        if not isinstance(value, dict) or part not in value:
            raise AssertionError(f"workflow output has no property {dotted!r}: {value!r}")
        value = value[part]
    return value


def _same(actual: Any, expected: Any) -> bool:
    """Equality with JSON number semantics (1 == 1.0, but True != 1)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(_same(actual[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)


def _require_completed(obs: Observation) -> None:
    if not obs.completed:
        raise AssertionError(f"workflow did not complete: error={obs.error!r}")


def _require_fault(obs: Observation) -> None:
    if obs.error is None:
        raise AssertionError(f"workflow did not fault; output={obs.output!r}")


def _error_matches(error: dict[str, Any], expected: Any) -> None:
    if not isinstance(expected, dict):
        raise AssertionError(f"expected error must be a mapping, got {expected!r}")
    got = {k: error.get(k) for k in expected}
    if not _same(got, expected):
        raise AssertionError(f"error mismatch: expected {expected!r}, got {error!r}")


def _names(obs: Observation) -> list[str]:
    return [row.name for row in obs.tasks if row.status != "SKIPPED"]


def _task(obs: Observation, name: str) -> TaskRow:
    rows = [row for row in obs.tasks if row.name == name]
    if not rows:
        raise AssertionError(f"task {name!r} did not run (ran: {_names(obs)})")
    return rows[-1]


def _position(obs: Observation, name: str) -> int:
    names = _names(obs)
    if name not in names:
        raise AssertionError(f"task {name!r} did not run (ran: {names})")
    return names.index(name)


Assertion = Callable[[Observation, "re.Match[str]", str | None], None]


def _complete(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    _require_completed(obs)


def _complete_with(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    _require_completed(obs)
    expected = _yaml(doc)
    if not _same(obs.output, expected):
        raise AssertionError(f"output mismatch: expected {expected!r}, got {obs.output!r}")


def _fault(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    _require_fault(obs)


def _fault_with(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    _require_fault(obs)
    assert obs.error is not None
    _error_matches(obs.error, _yaml(doc))


def _cancel(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    if not obs.cancelled:
        raise AssertionError("workflow was not cancelled")


def _properties(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    _require_completed(obs)
    for prop in re.findall(r"'([^']+)'", m.group("props")):
        _path(obs.output, prop)


def _property_value(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    _require_completed(obs)
    actual, expected = _path(obs.output, m.group("prop")), _yaml(doc)
    if not _same(actual, expected):
        raise AssertionError(f"{m.group('prop')!r}: expected {expected!r}, got {actual!r}")


def _property_count(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    _require_completed(obs)
    actual = _path(obs.output, m.group("prop"))
    count = int(m.group("count"))
    if not isinstance(actual, list | dict) or len(actual) != count:
        raise AssertionError(f"{m.group('prop')!r}: expected {count} items, got {actual!r}")


def _first(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    if _position(obs, m.group("task")) != 0:
        raise AssertionError(f"{m.group('task')} did not run first (ran: {_names(obs)})")


def _last(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    names = _names(obs)
    if _position(obs, m.group("task")) != len(names) - 1:
        raise AssertionError(f"{m.group('task')} did not run last (ran: {names})")


def _before(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    if not _position(obs, m.group("a")) < _position(obs, m.group("b")):
        raise AssertionError(f"{m.group('a')} did not run before {m.group('b')}: {_names(obs)}")


def _after(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    if not _position(obs, m.group("a")) > _position(obs, m.group("b")):
        raise AssertionError(f"{m.group('a')} did not run after {m.group('b')}: {_names(obs)}")


def _task_cancel(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    row = _task(obs, m.group("task"))
    if row.status != "CANCELLED" and not (row.error or {}).get("cancelled"):
        raise AssertionError(f"task {row.name} was not cancelled ({row.status})")


def _task_complete(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    row = _task(obs, m.group("task"))
    if row.status != "COMPLETED":
        raise AssertionError(f"task {row.name} did not complete ({row.status})")
    if doc is not None and not _same(row.output, _yaml(doc)):
        raise AssertionError(f"task {row.name} output {row.output!r} != {_yaml(doc)!r}")


def _task_fault(obs: Observation, m: re.Match[str], doc: str | None) -> None:
    row = _task(obs, m.group("task"))
    if row.status != "FAILED":
        raise AssertionError(f"task {row.name} did not fault ({row.status})")
    if doc is not None:
        _error_matches(row.error or {}, _yaml(doc))


_TASK = r"(?P<task>[A-Za-z0-9_\-]+)"
ASSERTIONS: tuple[tuple[re.Pattern[str], Assertion], ...] = tuple(
    (re.compile(pattern), fn)
    for pattern, fn in (
        (r"^the workflow should complete with output:$", _complete_with),
        (r"^the workflow should complete$", _complete),
        (r"^the workflow should fault with error:$", _fault_with),
        (r"^the workflow should fault$", _fault),
        (r"^the workflow should cancel$", _cancel),
        (r"^the workflow output should have properties (?P<props>'.*')$", _properties),
        (
            r"^the workflow output should have a '(?P<prop>[^']+)' property with value:$",
            _property_value,
        ),
        (
            r"^the workflow output should have a '(?P<prop>[^']+)' property containing "
            r"(?P<count>\d+) items$",
            _property_count,
        ),
        (rf"^{_TASK} should run first$", _first),
        (rf"^{_TASK} should run last$", _last),
        (r"^(?P<a>[A-Za-z0-9_\-]+) should run before (?P<b>[A-Za-z0-9_\-]+)$", _before),
        (r"^(?P<a>[A-Za-z0-9_\-]+) should run after (?P<b>[A-Za-z0-9_\-]+)$", _after),
        (rf"^{_TASK} should cancel$", _task_cancel),
        (rf"^{_TASK} should complete with output:$", _task_complete),
        (rf"^{_TASK} should complete$", _task_complete),
        (rf"^{_TASK} should fault with error:$", _task_fault),
        (rf"^{_TASK} should fault$", _task_fault),
    )
)
_DEFINE = re.compile(r"^(?:given )?a workflow with definition:$", re.IGNORECASE)
_INPUT = re.compile(r"^(?:given )?the workflow input is:$", re.IGNORECASE)
_EXECUTE = re.compile(r"^the workflow is executed$")


def arrange(scenario: Scenario) -> Arrangement:
    """Apply the Arrange steps (definition, input).

    Raises:
        UnboundStepError: A step matches no CTK sentence.
    """
    arrangement = Arrangement()
    for step in scenario.steps:
        if _DEFINE.match(step.text):
            arrangement.definition = step.doc or ""
        elif _INPUT.match(step.text):
            arrangement.input = _yaml(step.doc)
        elif not (_EXECUTE.match(step.text) or _assertion(step)):
            raise UnboundStepError(f"unbound CTK step: {step.keyword} {step.text}")
    return arrangement


def _assertion(step: Step) -> tuple[Assertion, re.Match[str]] | None:
    for pattern, fn in ASSERTIONS:
        match = pattern.match(step.text)
        if match:
            return fn, match
    return None


def check(scenario: Scenario, observation: Observation) -> list[str]:
    """Apply every Assert step; return the failures (empty when the scenario passes)."""
    failures: list[str] = []
    for step in _assert_steps(scenario.steps):
        bound = _assertion(step)
        if bound is None:
            continue
        fn, match = bound
        try:
            fn(observation, match, step.doc)
        except AssertionError as exc:
            failures.append(f"{step.keyword} {step.text}: {exc}")
    return failures


def _assert_steps(steps: Sequence[Step]) -> list[Step]:
    return [s for s in steps if not (_DEFINE.match(s.text) or _INPUT.match(s.text))]
