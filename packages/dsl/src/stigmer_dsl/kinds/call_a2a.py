"""``call: a2a`` (agent-to-agent): converted, not run yet."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import ProtoMapping, TaskKind

KIND = TaskKind(
    id="call.a2a",
    key="call",
    variant="a2a",
    mapping=ProtoMapping("CALL_A2A", "call", "a2a"),
    refusal="call 'a2a' is not supported yet",
    refusal_at="call",
    task_type="WORKFLOW_TASK_API_CALL",
)
