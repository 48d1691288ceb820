"""Handlers of the supported task kinds, one module each."""

from __future__ import annotations

from collections.abc import Mapping

from workflow_runner.engine.executor import Handler
from workflow_runner.engine.tasks import (
    call_http,
    do,
    for_,
    fork,
    raise_,
    set_,
    switch,
    try_,
    wait,
)

HANDLERS: Mapping[str, Handler] = {
    "call.http": call_http.run,
    "do": do.run,
    "for": for_.run,
    "fork": fork.run,
    "raise": raise_.run,
    "set": set_.run,
    "switch": switch.run,
    "try": try_.run,
    "wait": wait.run,
}
