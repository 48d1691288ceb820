"""The hook through which executions are started and cancelled on the orchestrator (Temporal)."""

from __future__ import annotations

from typing import Any, Protocol

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex


class LauncherUnavailableError(Exception):
    """The orchestrator cannot be reached; the start/cancel may succeed if retried later."""


class LauncherNotRunningError(Exception):
    """The execution's run is not (yet, or any longer) able to receive the request."""


class ExecutionLauncher(Protocol):
    """Starts and cancels the durable run of a workflow execution."""

    def check_ready(self) -> None:
        """Raise :class:`LauncherUnavailableError` when a start could not succeed now.

        Called before an execution is persisted, so an unreachable orchestrator stores nothing.
        """
        ...

    def workflow_id(self, execution_id: str) -> str:
        """The id of the Temporal workflow that runs ``execution_id`` (known before the start)."""
        ...

    async def start(self, execution: wex.WorkflowExecution) -> str:
        """Start the execution's orchestration; idempotent per execution id.

        Args:
            execution: The persisted PENDING execution.

        Returns:
            The Temporal workflow id.

        Raises:
            LauncherUnavailableError: The orchestrator is unreachable.
            Exception: Any other start failure.
        """
        ...

    async def cancel(self, execution_id: str, reason: str) -> None:
        """Request cancellation of a running execution.

        Raises:
            LauncherUnavailableError: The orchestrator is unreachable.
        """
        ...

    async def terminate(self, execution_id: str, reason: str) -> None:
        """End the execution's run at once, without cleanup, and record it CANCELLED.

        Raises:
            LauncherUnavailableError: The orchestrator is unreachable.
        """
        ...

    async def set_paused(self, execution_id: str, paused: bool) -> None:
        """Pause (or resume) the running execution's interpreter between two tasks.

        Raises:
            LauncherUnavailableError: The orchestrator is unreachable.
            LauncherNotRunningError: The execution's interpreter is not running.
        """
        ...

    async def signal(self, execution_id: str, event: dict[str, Any]) -> None:
        """Deliver a CloudEvent to the running execution.

        Raises:
            LauncherUnavailableError: The orchestrator is unreachable.
            LauncherNotRunningError: The execution's interpreter is not running.
        """
        ...
