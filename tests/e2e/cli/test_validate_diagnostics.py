"""``stigmer validate`` names the common authoring mistakes in one line each, with a suggestion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

HEAD = """\
document:
  dsl: '1.0.0'
  namespace: tests
  name: typos
  version: '1.0.0'
do:
  - first:
      set: {a: 1}
"""


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        (
            "  - second:\n      sett: {b: 2}\n",
            "9: /do/1/second: unknown task kind `sett` (did you mean `set`?)",
        ),
        (
            "  - second:\n      set: {b: 2}\n      thn: first\n",
            "11: /do/1/second/thn: unknown property `thn` of a `set` task (did you mean `then`?)",
        ),
        (
            "  - second:\n      call: http\n      with:\n"
            "        methd: get\n        endpoint: http://example.com\n",
            "12: /do/1/second/with/methd: unknown argument `methd` of `call: http` "
            "(did you mean `method`?)",
        ),
        (
            "  - second:\n      set: {b: 2}\n      then: frist\n",
            "11: /do/1/second/then: `then` targets unknown task `frist` (did you mean `first`?); "
            "tasks in this scope: `first`, `second`; or `continue`, `exit`, `end`",
        ),
    ],
    ids=["task-kind", "task-property", "call-argument", "then-target"],
)
def test_validate_explains_the_mistake(cli: Any, tmp_path: Path, tasks: str, expected: str) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(HEAD + tasks)
    result = cli.run("validate", str(path))
    assert result.code == 1
    assert result.stderr == f"{path}:{expected}\n"
    assert result.stdout == ""
