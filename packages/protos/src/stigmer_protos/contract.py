"""Values of the execution contract every part agrees on: the server, the runner, the CLI, tools.

Temporal names (workflow and activity types, task queues, signals) are in
:mod:`stigmer_protos.temporal_names`.
"""

from __future__ import annotations

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

TERMINAL_PHASES = frozenset(
    {
        wex.ExecutionPhase.EXECUTION_COMPLETED,
        wex.ExecutionPhase.EXECUTION_FAILED,
        wex.ExecutionPhase.EXECUTION_CANCELLED,
    }
)
"""Phases an execution never leaves."""
