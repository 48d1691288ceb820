"""``stigmer schedule``: list, pause, resume, trigger and backfill workflow schedules."""

from __future__ import annotations

import argparse
from typing import Any

from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf

from stigmer_cli.cli_parser import Parser, add_connection, add_output, command_parser
from stigmer_cli.client import StigmerClient, metadata
from stigmer_cli.connection import connection_from
from stigmer_cli.endpoint import require_server
from stigmer_cli.render.json_output import dumps
from stigmer_cli.render.text_output import columns

_ACTIONS = {
    "pause": "stop starting runs (runs already started go on)",
    "resume": "start runs on the schedule again",
    "trigger": "start one run now, paused or not",
}


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command and its subcommands."""
    parser = command_parser(
        sub,
        "schedule",
        summary="act on the Temporal schedules of workflows whose document has `schedule`",
        example="stigmer schedule pause nightly-report --note 'holiday'",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True

    lister = command_parser(
        actions,
        "list",
        summary="the schedules (of one workflow with --workflow)",
        example="stigmer schedule list",
    )
    lister.add_argument("--workflow", metavar="W", help="workflow id (wfl-...) or name")
    _common(lister, run_list)

    for action, summary in _ACTIONS.items():
        acting = command_parser(
            actions, action, summary=summary, example=f"stigmer schedule {action} nightly-report"
        )
        acting.add_argument("workflow", help="workflow id (wfl-...) or name")
        if action != "trigger":
            acting.add_argument("--note", default="", help="why (kept on the schedule)")
        _common(acting, run_action)

    backfill = command_parser(
        actions,
        "backfill",
        summary="start the runs the schedule had due between two instants",
        example="stigmer schedule backfill nightly-report "
        "--start 2026-11-01T00:00:00Z --end 2026-11-08T00:00:00Z",
    )
    backfill.add_argument("workflow", help="workflow id (wfl-...) or name")
    backfill.add_argument("--start", required=True, metavar="RFC3339", help="from (exclusive)")
    backfill.add_argument("--end", required=True, metavar="RFC3339", help="until")
    _common(backfill, run_backfill)


def _common(parser: argparse.ArgumentParser, func: Any) -> None:
    add_connection(parser)
    add_output(parser)
    parser.set_defaults(func=func)


def _workflow_id(client: StigmerClient, given: str) -> str:
    return given if given.startswith("wfl-") else metadata(client.workflow_by_name(given)).id


def _json(schedule: wf.WorkflowSchedule) -> dict[str, Any]:
    return schedule.to_dict(include_default_values=True)


def _print(schedules: list[wf.WorkflowSchedule], output: str) -> None:
    if output == "json":
        print(dumps([_json(s) for s in schedules]))
        return
    rows = [("WORKFLOW", "CADENCE", "STATE", "RUNS", "NEXT")]
    for s in schedules:
        cadence = s.cron or f"every {s.every_seconds:g}s"
        state = "paused" if s.paused else "active"
        rows.append(
            (
                s.workflow_id,
                cadence,
                state,
                str(s.action_count),
                s.next_action_times[0] if s.next_action_times else "-",
            )
        )
    print(columns(rows))


def run_list(args: argparse.Namespace) -> int:
    """List schedules; returns the exit status."""
    with StigmerClient(require_server(connection_from(args))) as client:
        workflow_id = _workflow_id(client, args.workflow) if args.workflow else ""
        found = client.list_schedules(workflow_id)
    _print(found, args.output)
    return 0


def run_action(args: argparse.Namespace) -> int:
    """Pause, resume or trigger; returns the exit status."""
    with StigmerClient(require_server(connection_from(args))) as client:
        shown = client.schedule_action(
            args.action, _workflow_id(client, args.workflow), getattr(args, "note", "")
        )
    _print([shown], args.output)
    return 0


def run_backfill(args: argparse.Namespace) -> int:
    """Backfill; returns the exit status."""
    with StigmerClient(require_server(connection_from(args))) as client:
        shown = client.backfill_schedule(_workflow_id(client, args.workflow), args.start, args.end)
    _print([shown], args.output)
    return 0
