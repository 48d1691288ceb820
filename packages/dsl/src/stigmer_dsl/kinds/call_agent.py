"""``call: agent``: Stigmer's agent invocation; converted, never run by the engine.

It has no DSL spelling of its own: in a document ``call: agent`` is a custom function call.
"""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_dsl.json_types import Json
from stigmer_dsl.kinds._kind import ProtoMapping, TaskKind
from stigmer_dsl.kinds._typed import TypedConfig, TypedConversion


def _typed(config: Mapping[str, Json], where: str) -> TypedConversion:
    # Imported here: the generated modules import grpc, which loading a document must not.
    from stigmer_protos.ai.stigmer.commons.apiresource import ApiResourceOwnerScope

    c = TypedConfig(config, where, ("agent", "scope", "message", "env", "config"))
    with_: dict[str, Json] = {
        "agent": c.string("agent", required=True),
        "message": c.string("message", required=True),
    }
    scope = c.get("scope")
    if isinstance(scope, int) and not isinstance(scope, bool):
        try:
            scope = ApiResourceOwnerScope(scope).name
        except ValueError:
            raise c.error("scope", f"unknown scope {scope}") from None
    if scope:
        with_["scope"] = scope
    env = c.mapping("env")
    if env:
        with_["env"] = env
    agent_config = c.mapping("config")
    if agent_config:
        TypedConfig(agent_config, where, ("model", "timeout", "temperature"))
        with_["config"] = agent_config
    return TypedConversion({"call": "agent", "with": with_})


KIND = TaskKind(
    id="call.agent",
    key="call",
    variant="agent",
    mapping=ProtoMapping("AGENT_CALL", "call", "agent", typed=_typed, executable=False),
    task_type="WORKFLOW_TASK_AGENT_INVOCATION",
    in_dsl=False,
)
