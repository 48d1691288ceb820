"""Run one DSL workflow file through a running stack and print how it ended.

Used by the compose ``example`` service (``docker compose -f deploy/compose.yaml run --rm
example``) and by tests/deploy. It applies the workflow over gRPC, creates an execution of it,
follows the execution with ``subscribe`` to its end, prints each phase change and task, then
the final output (or error) as JSON.

Usage: ``run_example.py FILE.yaml [--input JSON] [--endpoint HOST:PORT] [--timeout SECONDS]``;
the endpoint defaults to ``$STIGMER_BACKEND_ENDPOINT``, else ``localhost:7234``. The API key
comes from ``STIGMER_API_KEY`` or the file named by ``STIGMER_API_KEY_FILE`` (compose: the
generated admin key).
Exit status 0 when the execution COMPLETED, 1 when it FAILED or was CANCELLED, 2 on misuse.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import grpc
from stigmer_dsl.converter import dsl_to_workflow_spec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_protos.ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_cmd
from stigmer_protos.ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_qry
from stigmer_protos.ai.stigmer.commons import apiresource as ar
from stigmer_protos.contract import TERMINAL_PHASES
from stigmer_protos.google import protobuf as wkt
from stigmer_protos.json_values import from_fields
from stigmer_protos.limits import CHANNEL_OPTIONS
from workflow_runner.client import ClientConfig

ORG = "examples"


async def run(
    document: str,
    data: dict[str, Any] | None,
    endpoint: str,
    limit_s: float,
    api_key: str | None = None,
) -> int:
    """Apply the DSL ``document``, execute it with ``data`` and follow it to its end."""
    md = (("authorization", f"Bearer {api_key}"),) if api_key else None
    spec = dsl_to_workflow_spec(document)
    name = spec.document.name if spec.document and spec.document.name else "example"
    scope = ar.ApiResourceOwnerScope.organization
    async with grpc.aio.insecure_channel(endpoint, options=CHANNEL_OPTIONS) as channel:
        await channel.channel_ready()
        workflow = await wf_cmd.WorkflowCommandControllerStub(channel).apply(
            wf.Workflow(
                metadata=ar.ApiResourceMetadata(name=name, org=ORG, owner_scope=scope),
                spec=spec,
            ),
            metadata=md,
        )
        created = await wex_cmd.WorkflowExecutionCommandControllerStub(channel).create(
            wex.WorkflowExecution(
                metadata=ar.ApiResourceMetadata(
                    name=f"{name}-{uuid.uuid4().hex[:8]}", org=ORG, owner_scope=scope
                ),
                spec=wex.WorkflowExecutionSpec(
                    workflow_id=workflow.metadata.id,
                    input=wkt.Struct.from_dict(data) if data else None,
                ),
            ),
            metadata=md,
        )
        print(f"execution {created.metadata.id} of workflow {workflow.metadata.id}", flush=True)
        final: wex.WorkflowExecution | None = None
        phase = None
        stream = wex_qry.WorkflowExecutionQueryControllerStub(channel).subscribe(
            wex.SubscribeWorkflowExecutionRequest(execution_id=created.metadata.id),
            metadata=md,
        )
        async with asyncio.timeout(limit_s):
            async for update in stream:
                final = update
                if update.status and update.status.phase != phase:
                    phase = update.status.phase
                    print(f"  phase {phase.name}", flush=True)
    if final is None or final.status is None or final.status.phase not in TERMINAL_PHASES:
        print("subscribe ended before the execution did", file=sys.stderr)
        return 1
    status = final.status
    for task in status.tasks:
        print(f"  task {task.task_id} {task.status.name}")
    if status.phase == wex.ExecutionPhase.EXECUTION_COMPLETED:
        output = from_fields(status.output, status.output_value)
        print(json.dumps({"phase": status.phase.name, "output": output}, indent=2))
        return 0
    print(json.dumps({"phase": status.phase.name, "error": status.error}, indent=2))
    return 1


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the example."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("file", type=Path, help="a DSL 1.0 workflow (YAML or JSON)")
    parser.add_argument("--input", default=None, help="workflow input, a JSON object")
    parser.add_argument(
        "--endpoint",
        default=os.environ.get("STIGMER_BACKEND_ENDPOINT") or "localhost:7234",
        help="stigmer-server host:port",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait")
    args = parser.parse_args(argv)
    data = json.loads(args.input) if args.input else None
    if data is not None and not isinstance(data, dict):
        parser.error("--input must be a JSON object")
    api_key = ClientConfig.from_env().api_key
    return asyncio.run(run(args.file.read_text(), data, args.endpoint, args.timeout, api_key))


if __name__ == "__main__":
    raise SystemExit(main())
