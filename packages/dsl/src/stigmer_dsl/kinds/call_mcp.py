"""``call: mcp`` (Model Context Protocol): converted, not run yet."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import ProtoMapping, TaskKind

KIND = TaskKind(
    id="call.mcp",
    key="call",
    variant="mcp",
    mapping=ProtoMapping("CALL_MCP", "call", "mcp"),
    refusal="call 'mcp' is not supported yet",
    refusal_at="call",
    task_type="WORKFLOW_TASK_API_CALL",
)
