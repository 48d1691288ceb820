"""``stigmer graph``: a Mermaid flowchart of a workflow."""

from __future__ import annotations

import argparse

from stigmer_cli.cli_parser import Parser, command_parser
from stigmer_cli.diagnostics import check_dsl
from stigmer_cli.documents import read_workflow_file
from stigmer_cli.errors import UsageError
from stigmer_cli.mermaid import flowchart


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command."""
    parser = command_parser(
        sub,
        "graph",
        summary="print a Mermaid flowchart of a DSL workflow",
        example="stigmer graph examples/fan-out.yaml > fan-out.mmd",
    )
    parser.add_argument("file", help="DSL workflow")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the command; returns the exit status."""
    from stigmer_dsl import DefinitionError, load_workflow

    file = read_workflow_file(args.file)
    if not file.is_dsl:
        raise UsageError(f"{file.name}: graph needs a DSL document (document + do)")
    try:
        definition = load_workflow(file.text)
    except DefinitionError:
        problems = check_dsl(file.text)
        raise UsageError(problems[0].render(file.name) if problems else "invalid") from None
    print(flowchart(definition))
    return 0
