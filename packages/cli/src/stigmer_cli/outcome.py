"""What a finished execution means for the terminal and the exit status."""

from __future__ import annotations

from typing import TextIO

from stigmer_cli.follow import View
from stigmer_cli.render.json_output import dumps, execution_json
from stigmer_cli.render.live_table import LiveTable
from stigmer_cli.render.model import ExecutionView
from stigmer_cli.render.plain import PlainProgress
from stigmer_cli.render.text_output import result_text


def pick_view(stream: TextIO) -> View:
    """The live table on a terminal, plain lines otherwise."""
    return LiveTable(stream) if stream.isatty() else PlainProgress(stream)


def print_result(view: ExecutionView, output: str) -> None:
    """Print the final result on stdout: one JSON object, or the text summary."""
    print(dumps(execution_json(view)) if output == "json" else result_text(view), flush=True)


def exit_code_for(view: ExecutionView) -> int:
    """0 when COMPLETED, 1 otherwise."""
    return 0 if view.phase == "COMPLETED" else 1
