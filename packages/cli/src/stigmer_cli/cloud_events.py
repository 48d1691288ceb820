"""The CloudEvents the CLI sends (``signal``, ``emit``), built from command-line flags."""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from typing import Any

from stigmer_cli.inputs import parse_input


def add_event_flags(parser: argparse.ArgumentParser) -> None:
    """``--type`` (required), ``--data``, ``--source`` and ``--id``."""
    parser.add_argument("--type", required=True, help="the event type, e.g. com.example.approval")
    parser.add_argument("--data", help="event data: a JSON object or @file")
    parser.add_argument(
        "--source", default="stigmer-cli", help="the event source (default: %(default)s)"
    )
    parser.add_argument(
        "--id",
        dest="event_id",
        help="the event id (default: a new UUID); with --source, it makes a repeat a duplicate",
    )


def event_from(args: argparse.Namespace) -> dict[str, Any]:
    """The structured CloudEvent the flags describe."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": args.event_id or str(uuid.uuid4()),
        "source": args.source,
        "type": args.type,
        "time": datetime.now(UTC).isoformat(),
    }
    data = parse_input(args.data, "--data")
    if data is not None:
        event["datacontenttype"] = "application/json"
        event["data"] = data
    return event
