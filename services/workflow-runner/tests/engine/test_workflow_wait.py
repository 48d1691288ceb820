"""``wait`` with the time-skipping test server."""

from __future__ import annotations

from typing import Any

HEAD = "document: {dsl: '1.0.3', namespace: test, name: wait, version: '1.0.0'}\n"


async def test_wait_iso_and_inline_durations_skip_time(skipping_engine: Any) -> None:
    run = await skipping_engine(
        HEAD
        + """
do:
  - before:
      set:
        t0: ${ now }
  - longWait:
      wait: P1DT2H
  - shortWait:
      wait:
        hours: 1
        minutes: 30
        milliseconds: 500
  - after:
      set:
        elapsed: ${ now - $input.t0 }
""",
        {},
    )
    assert run.error is None, run.error
    assert run.output["elapsed"] >= 26 * 3600 + 5400.5
    # a flush before each timer, then the final one
    assert len(run.sink.batches) == 3
    rows = run.sink.latest()
    assert rows["/do/1/longWait"].status == "COMPLETED"
