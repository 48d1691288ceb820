"""``stigmer run``: apply a workflow file, execute it and follow it to the end."""

from __future__ import annotations

import argparse
import sys

import grpc
from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_protos.google import protobuf as wkt

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient, metadata
from stigmer_cli.connection import DEFAULT_ENDPOINT, connection_from
from stigmer_cli.documents import read_workflow_file, to_workflow
from stigmer_cli.endpoint import is_listening, server_or_embedded_stack
from stigmer_cli.errors import EXIT_INTERRUPTED, CliError, UsageError
from stigmer_cli.follow import FollowTimeoutError, follow
from stigmer_cli.full_output import with_full_output
from stigmer_cli.inputs import parse_input, runtime_env, uploaded_input
from stigmer_cli.outcome import exit_code_for, pick_view, print_result
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.model import ExecutionView


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "run",
        summary="run a workflow file and follow it live (starts a local stack if none is running)",
        example='stigmer run -f examples/hello.yaml --input \'{"name": "Ada"}\'',
    )
    parser.add_argument("-f", "--file", required=True, help="DSL workflow (or Workflow resource)")
    parser.add_argument("--input", metavar="JSON|@FILE", help="workflow input, a JSON object")
    parser.add_argument(
        "--env", action="append", default=[], metavar="K=V", help="runtime value (repeatable)"
    )
    parser.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="K=V",
        help="secret runtime value, never logged or shown (repeatable)",
    )
    add_connection(parser)
    add_output(parser)
    parser.add_argument(
        "--no-follow", action="store_true", help="print the execution id and return at once"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="S", help="cancel and fail after S seconds"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    workflow = to_workflow(read_workflow_file(args.file))
    spec = wex.WorkflowExecutionSpec(runtime_env=runtime_env(args.env, args.secret))
    payload = parse_input(args.input)
    upload = None if payload is None else uploaded_input(payload)
    if payload is not None and upload is None:
        spec.input = wkt.Struct.from_dict(payload)
    connection = connection_from(args)
    if args.no_follow and connection.endpoint is None and not is_listening(DEFAULT_ENDPOINT):
        raise UsageError(
            "--no-follow needs a running server: start `stigmer dev` or pass --endpoint"
        )
    quiet = args.output == "json"
    with (
        server_or_embedded_stack(connection, quiet=quiet) as server,
        StigmerClient(server) as client,
    ):
        applied = client.apply_workflow(workflow)
        spec.workflow_id = metadata(applied).id
        if upload is not None:
            spec.input_upload_id = client.upload_input(upload)
        created = client.create_execution(spec, metadata(applied).slug or "run")
        execution_id = metadata(created).id
        if args.no_follow:
            # JSON output is always one object; text output is the bare id, for scripts.
            if args.output == "json":
                print(dumps(execution_json(ExecutionView.of(created))))
            else:
                print(execution_id)
            return 0
        view = None if quiet else pick_view(sys.stderr)
        try:
            final = follow(client, execution_id, view, args.timeout)
        except KeyboardInterrupt:
            _cancel(client, execution_id, "interrupted by the user (Ctrl-C)")
            print(f"\ninterrupted: cancelled {execution_id}", file=sys.stderr)
            return EXIT_INTERRUPTED
        except FollowTimeoutError as err:
            _cancel(client, execution_id, f"--timeout {args.timeout}s exceeded")
            raise CliError(f"{err}: cancelled") from None
        print_result(with_full_output(client, final), args.output)
        return exit_code_for(final)


def _cancel(client: StigmerClient, execution_id: str, reason: str) -> None:
    try:
        client.cancel(execution_id, reason, timeout=5.0)
    except grpc.RpcError as err:
        print(f"could not cancel {execution_id}: {err.code().name}", file=sys.stderr)
