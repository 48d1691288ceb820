"""``stigmer validate``: schema and engine checks, with line numbers."""

from __future__ import annotations

import argparse
import sys

from stigmer_cli.cli_parser import Parser, command_parser
from stigmer_cli.client import metadata
from stigmer_cli.diagnostics import check_dsl
from stigmer_cli.documents import read_workflow_file, to_workflow
from stigmer_cli.errors import EXIT_FAILED


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "validate",
        summary="check a workflow file against the DSL schema and what the engine runs; "
        "exit 1 and one line per problem when invalid",
        example="stigmer validate examples/switch.yaml",
    )
    parser.add_argument("file", help="DSL workflow (or Workflow resource)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    from stigmer_dsl import load_workflow
    from stigmer_dsl.converter import ConversionError, dsl_to_workflow_spec

    file = read_workflow_file(args.file)
    if not file.is_dsl:
        workflow = to_workflow(file)
        print(f"{file.name}: valid Workflow resource {metadata(workflow).name!r}")
        return 0
    problems = check_dsl(file.text)
    for problem in problems:
        print(problem.render(file.name), file=sys.stderr)
    if problems:
        return EXIT_FAILED
    try:
        dsl_to_workflow_spec(file.data)
    except ConversionError as err:
        print(f"{file.name}: {err}", file=sys.stderr)
        return EXIT_FAILED
    count = _count(load_workflow(file.text).tasks)
    print(f"{file.name}: valid ({count} tasks)")
    return 0


def _count(tasks: tuple[object, ...]) -> int:
    total = 0
    for task in tasks:
        total += 1 + _count(getattr(task, "do", ())) + _count(getattr(task, "branches", ()))
        total += _count(getattr(task, "catch_do", ()))
    return total
