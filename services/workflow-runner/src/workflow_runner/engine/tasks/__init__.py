"""Handlers of the supported task kinds, one module each."""

from __future__ import annotations

from collections.abc import Mapping

from workflow_runner.engine.executor import Handler
from workflow_runner.engine.tasks import (
    call_activity,
    call_function,
    call_grpc,
    call_http,
    call_openapi,
    do,
    emit,
    for_,
    fork,
    listen,
    raise_,
    run,
    set_,
    switch,
    try_,
    wait,
)

HANDLERS: Mapping[str, Handler] = {
    "call.activity": call_activity.run,
    "call.function": call_function.run,
    "call.grpc": call_grpc.run,
    "call.http": call_http.run,
    "call.openapi": call_openapi.run,
    "emit": emit.run,
    "listen": listen.run,
    "run.script": run.run,
    "run.shell": run.run,
    "do": do.run,
    "for": for_.run,
    "fork": fork.run,
    "raise": raise_.run,
    "set": set_.run,
    "switch": switch.run,
    "try": try_.run,
    "wait": wait.run,
}
