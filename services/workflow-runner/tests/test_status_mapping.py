from __future__ import annotations

from workflow_runner.engine import ProgressBatch, TaskProgress
from workflow_runner.status_mapping import MAX_REPORT_BYTES, progress_statuses


def _batch(rows: int, text: str) -> ProgressBatch:
    return ProgressBatch(
        execution_id="wex-1",
        tasks=[
            TaskProgress(
                f"/do/0/loop[{i}]", f"loop[{i}]", "for.iteration", "COMPLETED", output=text
            )
            for i in range(rows)
        ],
    )


def test_a_large_batch_is_sent_in_parts_of_bounded_size_in_row_order() -> None:
    batch = _batch(2000, "x" * 2000)  # about 4 MB of rows
    parts = progress_statuses(batch)
    assert len(parts) > 3
    assert all(len(bytes(p)) <= MAX_REPORT_BYTES for p in parts)
    assert [t.task_id for p in parts for t in p.tasks] == [r.task_id for r in batch.tasks]
    assert all(p.phase == 0 for p in parts)  # parts never move the phase


def test_a_small_batch_is_one_update_and_an_empty_one_none() -> None:
    assert len(progress_statuses(_batch(10, "x"))) == 1
    assert progress_statuses(_batch(0, "x")) == []


def test_a_row_larger_than_the_bound_is_sent_alone() -> None:
    parts = progress_statuses(_batch(3, "y" * 5000), max_bytes=4000)
    assert [len(p.tasks) for p in parts] == [1, 1, 1]
