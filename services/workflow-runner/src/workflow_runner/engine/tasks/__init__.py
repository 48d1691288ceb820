"""The handlers of the task kinds the engine runs, one module each, registered by kind id.

Each module names the library's kinds it runs (``KINDS``, ids from :mod:`stigmer_dsl.kinds`)
and defines ``run`` (a :data:`~workflow_runner.engine.context.Handler`). :data:`HANDLERS` is
built from them and checked against the library's registry: every kind the library lets
load has exactly one handler, and no handler runs a kind the library refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from stigmer_dsl.kinds import REGISTRY

from workflow_runner.engine.context import Handler
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
    run_workflow,
    set_,
    switch,
    try_,
    wait,
)


class HandlerModule(Protocol):
    """A module of this package: the kinds it runs and its handler."""

    @property
    def KINDS(self) -> Sequence[str]:
        """Ids of the library's kinds the module runs."""
        ...

    @property
    def run(self) -> Handler:
        """The handler."""
        ...


def register(modules: Iterable[HandlerModule]) -> dict[str, Handler]:
    """Map each kind id to its module's handler.

    Raises:
        ValueError: A kind has two handlers, a handler names a kind the library does not let
            load, or a kind the library lets load has no handler.
    """
    handlers: dict[str, Handler] = {}
    for module in modules:
        for kind_id in module.KINDS:
            kind = REGISTRY.get(kind_id)
            if kind is None or not kind.runs:
                raise ValueError(f"a handler names {kind_id!r}, which the library does not run")
            if kind_id in handlers:
                raise ValueError(f"task kind {kind_id!r} has two handlers")
            handlers[kind_id] = module.run
    missing = [kind_id for kind_id in REGISTRY.running if kind_id not in handlers]
    if missing:
        raise ValueError(f"no handler for the task kinds {', '.join(missing)}")
    return handlers


HANDLERS: Mapping[str, Handler] = register(
    (
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
        run_workflow,
        set_,
        switch,
        try_,
        wait,
    )
)
"""The handler of each kind the engine runs, by the library's kind id."""
