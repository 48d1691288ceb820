"""The task kinds of the DSL, one module each, and the one registry built from them.

Each kind's module holds what the library knows of it: its static check (run by the loader),
its proto <-> DSL mapping (used by the converter) and the task type of its progress rows. The
runner registers one handler per running kind against the same ids
(``workflow_runner.engine.tasks``). ``services/workflow-runner/tests/engine/test_task_kinds.py`` enumerates
the schema's kinds and checks each is run or refused at load with a reason.
"""

from __future__ import annotations

from stigmer_dsl.kinds import (
    call_a2a,
    call_activity,
    call_agent,
    call_asyncapi,
    call_function,
    call_grpc,
    call_http,
    call_mcp,
    call_openapi,
    do,
    emit,
    for_,
    fork,
    listen,
    raise_,
    run_container,
    run_script,
    run_shell,
    run_workflow,
    set_,
    switch,
    try_,
    wait,
)
from stigmer_dsl.kinds._kind import (
    LEAF,
    Check,
    Checker,
    Children,
    ProtoMapping,
    Site,
    TaskKind,
    TypedConverter,
)
from stigmer_dsl.kinds._registry import Registry
from stigmer_dsl.kinds._typed import KIND_PREFIX, TypedConfig, TypedConversion

REGISTRY = Registry(
    module.KIND
    for module in (
        call_http,
        call_openapi,
        call_grpc,
        call_activity,
        call_function,
        call_asyncapi,
        call_a2a,
        call_mcp,
        call_agent,
        for_,
        try_,
        fork,
        switch,
        set_,
        wait,
        raise_,
        run_container,
        run_workflow,
        run_shell,
        run_script,
        listen,
        emit,
        do,
    )
)
"""Every task kind, registered once; the loader, the converter and the runner derive from it."""

__all__ = [
    "KIND_PREFIX",
    "LEAF",
    "REGISTRY",
    "Check",
    "Checker",
    "Children",
    "ProtoMapping",
    "Registry",
    "Site",
    "TaskKind",
    "TypedConfig",
    "TypedConversion",
    "TypedConverter",
]
