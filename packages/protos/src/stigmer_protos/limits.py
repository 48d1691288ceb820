"""The size limits every path of Stigmer enforces, in one place.

The server, the runner's client, the CLI and the YAML loader import these constants, so a
request the CLI accepts is one the server and Temporal can carry. ``docs/limits.md`` renders
:data:`LIMITS`; a test checks the table against this module.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024

TEMPORAL_MESSAGE_BYTES = 4 * MIB
"""Temporal frontend's default gRPC message limit (``frontend.maxMessageSize`` is not lower)."""

TEMPORAL_PAYLOAD_BYTES = 2 * MIB
"""Temporal's default ``limit.blobSize.error``: one payload larger than this fails the call."""

MAX_MESSAGE_BYTES = TEMPORAL_MESSAGE_BYTES
"""Largest gRPC message on every Stigmer channel (server, runner client, CLI client)."""

MAX_DOCUMENT_BYTES = 1 * MIB
"""Largest workflow document (DSL text) a runner loads."""

MAX_TASKS = 5000
"""Most tasks in one workflow document."""

MAX_TASK_DEPTH = 32
"""Deepest nesting of task lists in one workflow document."""

MAX_EXPRESSION_CHARS = 16 * 1024
"""Longest jq expression in one workflow document."""

MAX_MESSAGE_DEPTH = 8 * MAX_TASK_DEPTH + 8
"""Deepest nesting of messages in a request.

A task level is 8 message levels of a ``WorkflowSpec`` (a ``Struct`` object level is 3:
``Struct``, map entry, ``Value``), so the deepest document fits; betterproto2's recursive
decoder and encoder fail a little above 300 levels.
"""

MAX_INPUT_BYTES = 512 * 1024
"""Largest execution input (encoded): with the document it fits one Temporal payload."""

MAX_EXECUTION_SPEC_BYTES = 1 * MIB
"""Largest execution spec (encoded: input, runtime env, trigger), the bulk of the execution's
Temporal payload."""

MAX_YAML_ALIASES = 1000
"""Most alias references (``*name``) one YAML document may hold."""

MAX_YAML_ALIAS_NODES = 100_000
"""Most nodes the aliases of one YAML document may expand to, counted as copies."""

CHANNEL_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
)
"""gRPC channel options of every Stigmer client (a larger request fails before it is sent)."""


@dataclass(frozen=True)
class Limit:
    """One row of the limits table.

    Attributes:
        name: The constant's name in this module.
        value: Its value.
        unit: ``bytes``, ``levels``, ``tasks``, ``characters``, ``aliases`` or ``nodes``.
        bounds: What it bounds.
        enforced_by: Where a larger value is refused, and with which error.
    """

    name: str
    value: int
    unit: str
    bounds: str
    enforced_by: str


_VALIDATION = "runner and `stigmer validate`/`apply`, loading the document: a validation error"
_YAML = "the one YAML loader (`engine/yaml_io.py`), before any value is built: a YAML error"

LIMITS: tuple[Limit, ...] = (
    Limit(
        "MAX_MESSAGE_BYTES",
        MAX_MESSAGE_BYTES,
        "bytes",
        "one gRPC message (request or response)",
        "server receive/send (`GRPC_MAX_MESSAGE_BYTES` may only lower it), runner client, CLI "
        "client: RESOURCE_EXHAUSTED, before decoding",
    ),
    Limit(
        "MAX_MESSAGE_DEPTH",
        MAX_MESSAGE_DEPTH,
        "levels",
        "nesting of messages in a request (a `Struct` object level is 3)",
        "server, scanning the wire bytes before decoding: INVALID_ARGUMENT",
    ),
    Limit(
        "MAX_INPUT_BYTES",
        MAX_INPUT_BYTES,
        "bytes",
        "an execution's `spec.input`, encoded",
        "server, scanning the wire bytes before decoding: INVALID_ARGUMENT, nothing stored",
    ),
    Limit(
        "MAX_EXECUTION_SPEC_BYTES",
        MAX_EXECUTION_SPEC_BYTES,
        "bytes",
        "an execution's `spec` (input, runtime env, trigger), encoded",
        "server, scanning the wire bytes before decoding: INVALID_ARGUMENT, nothing stored",
    ),
    Limit(
        "MAX_DOCUMENT_BYTES",
        MAX_DOCUMENT_BYTES,
        "bytes",
        "a workflow document's text; an external resource (OpenAPI/AsyncAPI document, proto "
        "file, script) the runner fetches",
        _VALIDATION + "; fetching a resource: a `configuration` error, read no further",
    ),
    Limit("MAX_TASKS", MAX_TASKS, "tasks", "tasks in one document", _VALIDATION),
    Limit("MAX_TASK_DEPTH", MAX_TASK_DEPTH, "levels", "nesting of task lists", _VALIDATION),
    Limit(
        "MAX_EXPRESSION_CHARS",
        MAX_EXPRESSION_CHARS,
        "characters",
        "one jq expression",
        _VALIDATION,
    ),
    Limit(
        "MAX_YAML_ALIASES",
        MAX_YAML_ALIASES,
        "aliases",
        "alias references in one YAML document (workflow, input file, OpenAPI/AsyncAPI)",
        _YAML,
    ),
    Limit(
        "MAX_YAML_ALIAS_NODES",
        MAX_YAML_ALIAS_NODES,
        "nodes",
        "nodes the aliases of one YAML document expand to",
        _YAML,
    ),
    Limit(
        "TEMPORAL_PAYLOAD_BYTES",
        TEMPORAL_PAYLOAD_BYTES,
        "bytes",
        "one Temporal payload (`MAX_DOCUMENT_BYTES` + `MAX_INPUT_BYTES` stay below it)",
        "Temporal server, default `limit.blobSize.error`",
    ),
    Limit(
        "TEMPORAL_MESSAGE_BYTES",
        TEMPORAL_MESSAGE_BYTES,
        "bytes",
        "one gRPC message to Temporal",
        "Temporal frontend; `MAX_MESSAGE_BYTES` equals it",
    ),
)


def markdown_table() -> str:
    """The limits as the Markdown table of ``docs/limits.md``."""
    rows = ["| Limit | Value | Unit | Bounds | Enforced by |", "|---|---:|---|---|---|"]
    rows += [
        f"| `{lim.name}` | {lim.value} | {lim.unit} | {lim.bounds} | {lim.enforced_by} |"
        for lim in LIMITS
    ]
    return "\n".join(rows) + "\n"
