"""Smoke test of the engine workflow on the dev server."""

from __future__ import annotations

from typing import Any

DOC = """
document: {dsl: '1.0.3', namespace: test, name: smoke, version: '1.0.0'}
do:
  - a:
      set:
        x: ${ .n + 1 }
  - b:
      set:
        y: ${ .x * 2 }
"""


async def test_set_chain(engine: Any) -> None:
    run = await engine(DOC, {"n": 1})
    assert run.error is None, run.error
    assert run.output == {"y": 4}
