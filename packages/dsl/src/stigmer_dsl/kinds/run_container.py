"""``run: container``: refused, the worker runs no container runtime."""

from __future__ import annotations

from stigmer_dsl.kinds._kind import TaskKind
from stigmer_dsl.kinds._run import RUN, check_return

KIND = TaskKind(
    id="run.container",
    key="run",
    variant="container",
    mapping=RUN,
    check=check_return,
    refusal="run: container is not supported (the worker runs no container runtime); use "
    "run: shell or run: script",
    refusal_at="run/container",
)
