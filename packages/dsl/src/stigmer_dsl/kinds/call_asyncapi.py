"""``call: asyncapi``: converted, not run yet."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import ProtoMapping, TaskKind

KIND = TaskKind(
    id="call.asyncapi",
    key="call",
    variant="asyncapi",
    mapping=ProtoMapping(
        "CALL_ASYNCAPI", "call", "asyncapi", task_lists=(("with", "subscription", "foreach", "do"),)
    ),
    refusal="call 'asyncapi' is not supported yet",
    refusal_at="call",
    task_type="WORKFLOW_TASK_API_CALL",
)
