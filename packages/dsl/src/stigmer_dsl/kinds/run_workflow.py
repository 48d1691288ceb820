"""``run: workflow``: refused until the engine can resolve another document (issue 22)."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import TaskKind
from stigmer_dsl.kinds._run import RUN, check_return

KIND = TaskKind(
    id="run.workflow",
    key="run",
    variant="workflow",
    mapping=RUN,
    check=check_return,
    refusal="run: workflow is not supported yet: the engine has no registry to resolve "
    "another DSL document by namespace/name/version",
    refusal_at="run/workflow",
)
