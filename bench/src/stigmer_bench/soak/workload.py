"""The soak's mix of workflows: their documents, inputs, expected outputs and side effects.

Every execution gets a unique key (its request id) in its input; every HTTP side effect it makes
carries that key in the path, so the counting stub tells how often each one happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from stigmer_bench.api import document

# The try/retry workflow's endpoint answers 503 this many times per key before it answers 200.
FLAKY_FAILURES = 2


def _http(endpoint: str) -> dict[str, Any]:
    return {"call": "http", "with": {"method": "get", "endpoint": endpoint}}


def _hit(task: str) -> str:
    return f'${{ .stub + "/hit/" + .key + "/{task}" }}'


# Each entry: the document's tasks, and the stub paths (after the key) one execution hits once.
_DOCUMENTS: dict[str, list[dict[str, Any]]] = {
    "http": [
        {"fetch": _http(_hit("fetch"))},
        {"keep": {"set": {"result": '${ .key + ":" + .task }'}}},
    ],
    "wait": [
        {"first": {"set": {"key": "${ .key }", "stub": "${ .stub }"}}},
        {"pause": {"wait": {"seconds": 1}}},
        {"ping": _http(_hit("after-wait"))},
        {"done": {"set": {"waited": "${ .key }"}}},
    ],
    "fan-out": [
        {
            "init": {
                "set": {
                    "key": "${ .key }",
                    "stub": "${ .stub }",
                    "numbers": "${ .numbers }",
                    "squares": [],
                }
            }
        },
        {
            "square": {
                "for": {"each": "n", "in": "${ .numbers }"},
                "do": [
                    {
                        "add": {
                            "set": {
                                "key": "${ .key }",
                                "stub": "${ .stub }",
                                "squares": "${ .squares + [$n * $n] }",
                            }
                        }
                    }
                ],
            }
        },
        {
            "stats": {
                "fork": {
                    "branches": [
                        {"total": {"set": {"sum": "${ .squares | add }"}}},
                        {"notify": _http(_hit("fork"))},
                    ]
                }
            }
        },
        {
            "combine": {
                "set": {"sum": "${ .[0].sum // .[1].sum }", "key": "${ .[0].key // .[1].key }"}
            }
        },
    ],
    "try-retry": [
        {
            "guarded": {
                "try": [{"flaky": _http('${ .stub + "/flaky/" + .key }')}],
                "catch": {
                    "errors": {"with": {"status": 503}},
                    "retry": {
                        "delay": {"milliseconds": 100},
                        "limit": {"attempt": {"count": FLAKY_FAILURES + 3}},
                    },
                },
            }
        },
        {"done": {"set": {"ok": "${ .key }"}}},
    ],
}

KINDS = tuple(_DOCUMENTS)


def documents() -> dict[str, dict[str, Any]]:
    """The DSL document of each kind of the mix."""
    return {kind: document(f"soak-{kind}", tasks) for kind, tasks in _DOCUMENTS.items()}


@dataclass(frozen=True)
class Job:
    """One execution to submit.

    Attributes:
        key: Its request id (``x-request-id``), also the key of its side effects.
        kind: Which workflow of the mix it runs.
        input: Its workflow input.
        output: The output it must end with.
        effects: The stub paths it must hit, each with how often when nothing is repeated.
    """

    key: str
    kind: str
    input: dict[str, Any]
    output: dict[str, Any]
    effects: dict[str, int]


def job(kind: str, key: str, stub_url: str, rng: random.Random) -> Job:
    """The job of one execution of ``kind`` with request id ``key``."""
    base = {"key": key, "stub": stub_url}
    if kind == "http":
        return Job(key, kind, base, {"result": f"{key}:fetch"}, {f"/hit/{key}/fetch": 1})
    if kind == "wait":
        return Job(key, kind, base, {"waited": key}, {f"/hit/{key}/after-wait": 1})
    if kind == "fan-out":
        numbers = [rng.randint(1, 9) for _ in range(rng.randint(2, 5))]
        output = {"sum": sum(n * n for n in numbers), "key": key}
        return Job(key, kind, {**base, "numbers": numbers}, output, {f"/hit/{key}/fork": 1})
    if kind == "try-retry":
        return Job(key, kind, base, {"ok": key}, {f"/flaky/{key}": FLAKY_FAILURES + 1})
    raise ValueError(f"unknown kind {kind!r}")


def jobs(count: int, run: str, stub_url: str, rng: random.Random) -> list[Job]:
    """``count`` jobs, kinds drawn from ``rng``, request ids ``<run>-<n>``."""
    return [job(rng.choice(KINDS), f"{run}-{n}", stub_url, rng) for n in range(count)]
