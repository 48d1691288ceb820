from __future__ import annotations

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex
from stigmer_server.workflowexecution.recent import RecentWrites

P = wex.ExecutionPhase


def execution(n: int) -> wex.WorkflowExecution:
    return wex.WorkflowExecution(
        kind="WorkflowExecution",
        status=wex.WorkflowExecutionStatus(
            phase=P.EXECUTION_IN_PROGRESS,
            tasks=[wex.WorkflowTask(task_id=f"/do/{i}/t") for i in range(n)],
        ),
    )


def test_the_bytes_just_written_read_back_as_the_execution_kept() -> None:
    recent = RecentWrites()
    written = execution(3)
    data = bytes(written)
    recent.remember("wex-1", data, written)
    read = recent.decode("wex-1", data)
    assert read == written and read is not written
    assert read.status is not None and read.status is not written.status
    # Setting fields of what was read (as a merge does) leaves what is kept as it was.
    read.status.phase = P.EXECUTION_COMPLETED
    read.status.tasks.append(wex.WorkflowTask(task_id="/do/9/x"))
    written.status.error = "changed by the caller"  # type: ignore[union-attr]
    assert recent.decode("wex-1", data) == wex.WorkflowExecution.parse(data)


def test_other_bytes_are_decoded() -> None:
    recent = RecentWrites()
    recent.remember("wex-1", bytes(execution(1)), execution(1))
    other = bytes(execution(2))
    assert recent.decode("wex-1", other) == execution(2)
    assert recent.decode("wex-2", other) == execution(2)


def test_entries_and_bytes_are_bounded_and_forgotten() -> None:
    recent = RecentWrites(max_entries=2, max_bytes=10_000)
    for i in range(3):
        recent.remember(f"wex-{i}", bytes(execution(i + 1)), execution(i + 1))
    assert len(recent._kept) == 2 and "wex-0" not in recent._kept
    big = execution(2000)
    recent.remember("wex-big", bytes(big), big)
    assert "wex-big" not in recent._kept
    recent.forget("wex-1")
    assert list(recent._kept) == ["wex-2"]
    assert recent._size == len(bytes(execution(3)))
