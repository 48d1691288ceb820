"""Progress flushing: a long run of pure tasks reports in bounded batches as it goes."""

from __future__ import annotations

from typing import Any

import pytest
from workflow_runner.engine import progress
from workflow_runner.engine.progress import FLUSH_EVERY_ROWS, RecentCaps, cap_value

HEAD = "document: {dsl: '1.0.0', namespace: t, name: flush, version: '1.0.0'}\n"


async def test_a_long_pure_loop_flushes_every_batch_of_rows(engine: Any) -> None:
    iterations = FLUSH_EVERY_ROWS  # two rows each: the iteration and its task
    loop = f"      for: {{each: n, in: '${{ [range({iterations})] }}'}}\n"
    run = await engine(
        HEAD
        + "do:\n  - loop:\n"
        + loop
        + "      do:\n        - double: {set: {v: '${ $n * 2 }'}}\n"
    )
    assert run.error is None, run.error
    assert run.output == {"v": 2 * (iterations - 1)}
    non_final = [b for b in run.sink.batches if not b.final]
    # Each task's end flushes once FLUSH_EVERY_ROWS rows changed: one activation never holds
    # the whole loop, and no batch (the final one included) carries all of its rows.
    assert len(non_final) >= 1, [len(b.tasks) for b in run.sink.batches]
    assert max(len(b.tasks) for b in run.sink.batches) <= FLUSH_EVERY_ROWS + 2
    rows = run.sink.latest()
    assert {f"/do/0/loop[{i}]" for i in range(iterations)} <= set(rows)
    assert all(rows[f"/do/0/loop[{i}]"].status == "COMPLETED" for i in range(iterations))


def test_cap_value_keeps_small_values_and_marks_large_ones() -> None:
    small = {"a": [1, 2, 3]}
    assert cap_value(small, limit=100) is small
    large = {"items": ["x" * 100 for _ in range(100_000)]}  # about 10 MB of JSON
    marker = cap_value(large, limit=1000)
    assert marker["_truncated"] is True and marker["more_than_bytes"] == 1000
    assert marker["preview"].startswith('{"items":["xxx') and len(marker["preview"]) == 512


def test_recent_caps_size_each_recent_value_once_by_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sized: list[Any] = []

    def counting(value: Any, limit: int = progress.MAX_VALUE_BYTES) -> Any:
        sized.append(value)
        return cap_value(value, limit)

    monkeypatch.setattr(progress, "cap_value", counting)
    caps = RecentCaps()
    output = {"n": 1}
    assert caps.cap(output) is output
    assert caps.cap(output) is output  # the next task's input: the same object
    assert sized == [output]
    equal = {"n": 1}
    assert caps.cap(equal) is equal  # equal, not the same: sized again
    assert len(sized) == 2 and sized[-1] is equal
    assert caps.cap(None) is None and len(sized) == 2
    for i in range(RecentCaps.SIZE):
        caps.cap([i])
    caps.cap(output)  # pushed out by newer values: sized again
    assert sized[-1] is output and len(sized) == 3 + RecentCaps.SIZE
