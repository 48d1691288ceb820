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

MAX_UPLOAD_INPUT_BYTES = 64 * MIB
"""Largest execution input sent apart with ``uploadInput`` (its JSON text), kept beside the
record (ADR 0033)."""

UPLOAD_TTL_SECONDS = 3600
"""Life of an uploaded input that no create has taken yet."""

MAX_EXECUTION_SPEC_BYTES = 1 * MIB
"""Largest execution spec (encoded: input, runtime env, trigger), the bulk of the execution's
Temporal payload."""

MAX_YAML_ALIASES = 1000
"""Most alias references (``*name``) one YAML document may hold."""

MAX_YAML_ALIAS_NODES = 100_000
"""Most nodes the aliases of one YAML document may expand to, counted as copies."""

MAX_RECORD_BYTES = 3 * MIB
"""Whole stored execution (spec + status): answers of get, updateStatus and subscribe fit
gRPC's default 4 MiB receive limit with 1 MiB to spare for framing and redaction markers."""

MAX_STATUS_BYTES = 1 * MIB
"""The status part of an execution record (task rows, output, errors); less when the spec leaves
less room."""

MAX_TASK_ROWS = 200
"""Task rows an execution record shows; beyond, the oldest finished rows of loops are folded
into summary rows with counts."""

MAX_VALUE_BYTES = 8 * 1024
"""Encoded size of one task row's input, output or metadata before it becomes a marker (the
runner caps rows it reports at the same size)."""

MAX_OUTPUT_BYTES = 256 * 1024
"""Encoded size of the execution's output or error details in its record before it becomes a
marker; a larger final output is kept beside the record and referenced (ADR 0033)."""

MAX_ERROR_CHARS = 4096
"""Characters of an error message (the execution's or a task's) kept in the record."""

MAX_PAGE_BYTES = MAX_RECORD_BYTES
"""Bytes of executions in one list page; a page always holds at least one record."""

MAX_STREAM_ENTRY_BYTES = 8 * 1024
"""Largest state an event-stream entry carries; larger states are announced by a pointer entry
and subscribers read the record itself."""

CLOSED_STREAM_TTL_SECONDS = 3600
"""Lifetime of a terminal or deleted execution's event stream after its last entry."""

MAX_REPORT_BYTES = 1 * MIB
"""Task rows in one progress ``updateStatus`` call of the runner; a larger batch is split."""

MAX_EVENT_BODY_BYTES = 256 * 1024
"""One HTTP request to the CloudEvents ingress (a batch included), ADR 0037."""

MAX_EVENTS_PER_BATCH = 100
"""CloudEvents in one batch-mode request to the ingress."""

MAX_FILTER_PATTERN_CHARS = 256
"""Longest ``/regex/`` in a ``listen`` event filter."""

MAX_FILTER_PATTERN_QUANTIFIERS = 8
"""Most quantifiers in one event-filter regex (beyond, even a time-bounded match is slow)."""

FILTER_MATCH_TIMEOUT_SECONDS = 0.25
"""Time one event-filter regex match may take."""

EXPRESSION_CPU_SECONDS = 1.0
"""Default CPU time of one jq evaluation (``STIGMER_EXPRESSION_CPU_SECONDS``)."""

EXPRESSION_MAX_OUTPUT_BYTES = 1 * MIB
"""Default size of one jq evaluation's results (``STIGMER_EXPRESSION_MAX_OUTPUT_BYTES``)."""

EXPRESSION_MAX_MEMORY_BYTES = 256 * MIB
"""Default address space of one jq worker process (``STIGMER_EXPRESSION_MAX_MEMORY_BYTES``)."""

EXPRESSION_OFFLOAD_BYTES = 256 * 1024
"""Size of an expression's encoded context (``.`` and the variables it reads) from which the
interpreter evaluates it in a local activity instead of in workflow code (ADR 0033). A
constant, not a setting: the choice must be the same when a history is replayed."""

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
        unit: ``bytes``, ``levels``, ``tasks``, ``rows``, ``characters``, ``aliases``,
            ``nodes``, ``quantifiers``, ``events`` or ``seconds``.
        bounds: What it bounds.
        enforced_by: Where a larger value is refused, and with which error.
    """

    name: str
    value: int | float
    unit: str
    bounds: str
    enforced_by: str


_VALIDATION = "runner and `stigmer validate`/`apply`, loading the document: a validation error"
_RECORD = "server, after every status merge (`workflowexecution/record_bounds.py`)"
_RUNNER = "runner setting, per evaluation in a jq worker process: a `runtime` error"
_FILTER = "runner, loading the document: a validation error naming the filter"
_YAML = "the one YAML loader (`stigmer_dsl/yaml_io.py`), before any value is built: a YAML error"

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
        "an execution's `spec.input` or `spec.input_value`, or a re-run's patched `input`, encoded",
        "server, scanning the wire bytes before decoding: INVALID_ARGUMENT, nothing stored",
    ),
    Limit(
        "MAX_UPLOAD_INPUT_BYTES",
        MAX_UPLOAD_INPUT_BYTES,
        "bytes",
        "an execution input uploaded with `uploadInput` (JSON text), for a create that names it",
        "server, while the parts arrive: RESOURCE_EXHAUSTED, nothing kept",
    ),
    Limit(
        "UPLOAD_TTL_SECONDS",
        UPLOAD_TTL_SECONDS,
        "seconds",
        "life of an uploaded input no create has taken",
        "server: Redis expiry; a later create naming it: INVALID_ARGUMENT",
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
        "MAX_RECORD_BYTES",
        MAX_RECORD_BYTES,
        "bytes",
        "one stored execution (spec + status)",
        _RECORD + ": the status gets what the spec leaves",
    ),
    Limit("MAX_STATUS_BYTES", MAX_STATUS_BYTES, "bytes", "an execution's status", _RECORD),
    Limit(
        "MAX_TASK_ROWS",
        MAX_TASK_ROWS,
        "rows",
        "task rows of one execution",
        _RECORD + ": older finished loop rows fold into counted summary rows",
    ),
    Limit(
        "MAX_VALUE_BYTES",
        MAX_VALUE_BYTES,
        "bytes",
        "one task row's input, output or metadata",
        _RECORD + ' and the runner\'s progress rows: a `{"_truncated": true}` marker',
    ),
    Limit(
        "MAX_OUTPUT_BYTES",
        MAX_OUTPUT_BYTES,
        "bytes",
        "an execution's output or error details in its record",
        _RECORD
        + ": a marker; a larger final output is kept beside the record, referenced by"
        + " `status.output_reference` and served by `getValue` (ADR 0033)",
    ),
    Limit("MAX_ERROR_CHARS", MAX_ERROR_CHARS, "characters", "one error message", _RECORD + ": cut"),
    Limit(
        "MAX_PAGE_BYTES",
        MAX_PAGE_BYTES,
        "bytes",
        "executions in one `list`/`listByWorkflow` page (at least one)",
        "server: the page ends early, `next_page_token` continues",
    ),
    Limit(
        "MAX_STREAM_ENTRY_BYTES",
        MAX_STREAM_ENTRY_BYTES,
        "bytes",
        "one event-stream entry (subscribe)",
        "server: a larger state becomes a pointer entry",
    ),
    Limit(
        "CLOSED_STREAM_TTL_SECONDS",
        CLOSED_STREAM_TTL_SECONDS,
        "seconds",
        "life of a terminal or deleted execution's event stream",
        "server: Redis expiry",
    ),
    Limit(
        "MAX_REPORT_BYTES",
        MAX_REPORT_BYTES,
        "bytes",
        "task rows in one progress `updateStatus` call",
        "runner: a larger batch is sent in parts",
    ),
    Limit(
        "MAX_EVENT_BODY_BYTES",
        MAX_EVENT_BODY_BYTES,
        "bytes",
        "one request to the CloudEvents ingress (a batch included)",
        "server, events HTTP endpoint: 413",
    ),
    Limit(
        "MAX_EVENTS_PER_BATCH",
        MAX_EVENTS_PER_BATCH,
        "events",
        "CloudEvents in one batch request",
        "server, events HTTP endpoint: 400",
    ),
    Limit(
        "MAX_FILTER_PATTERN_CHARS",
        MAX_FILTER_PATTERN_CHARS,
        "characters",
        "one `/regex/` in a `listen` filter",
        _FILTER,
    ),
    Limit(
        "MAX_FILTER_PATTERN_QUANTIFIERS",
        MAX_FILTER_PATTERN_QUANTIFIERS,
        "quantifiers",
        "quantifiers in one filter regex",
        _FILTER,
    ),
    Limit(
        "FILTER_MATCH_TIMEOUT_SECONDS",
        FILTER_MATCH_TIMEOUT_SECONDS,
        "seconds",
        "one filter regex match",
        "runner (`regex` timeout): an `Event filter timeout` runtime error",
    ),
    Limit(
        "EXPRESSION_CPU_SECONDS",
        EXPRESSION_CPU_SECONDS,
        "seconds",
        "CPU time of one jq evaluation (default of `STIGMER_EXPRESSION_CPU_SECONDS`)",
        _RUNNER,
    ),
    Limit(
        "EXPRESSION_MAX_OUTPUT_BYTES",
        EXPRESSION_MAX_OUTPUT_BYTES,
        "bytes",
        "results of one jq evaluation (default of `STIGMER_EXPRESSION_MAX_OUTPUT_BYTES`)",
        _RUNNER,
    ),
    Limit(
        "EXPRESSION_MAX_MEMORY_BYTES",
        EXPRESSION_MAX_MEMORY_BYTES,
        "bytes",
        "address space of one jq worker (default of `STIGMER_EXPRESSION_MAX_MEMORY_BYTES`)",
        _RUNNER + " (the worker is replaced)",
    ),
    Limit(
        "EXPRESSION_OFFLOAD_BYTES",
        EXPRESSION_OFFLOAD_BYTES,
        "bytes",
        "context (`.` and the variables read) of a jq evaluation run in workflow code",
        "runner: a larger one is evaluated in a local activity under the same budget, its "
        "result recorded (externally stored when large), not in the workflow task",
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
