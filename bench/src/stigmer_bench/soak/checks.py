"""After the soak: what the store and Temporal hold, and what the stub saw."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from stigmer_server.domain.kinds import WORKFLOW_EXECUTION
from stigmer_server.store.connection import connect
from stigmer_server.store.keys import INDEX_ALL, KindKeys
from temporalio.client import Client

from stigmer_bench.soak.workload import Job

INTERPRETER_PREFIX = "workflow-exec-"


async def stored_executions(redis_url: str, prefix: str) -> int:
    """How many executions the store indexes under ``prefix``."""
    client = connect(redis_url, max_connections=2)
    try:
        return int(await client.zcard(KindKeys(prefix, WORKFLOW_EXECUTION).index(INDEX_ALL)))
    finally:
        await client.aclose()


async def interpreter_runs(temporal: Client, queue: str) -> Counter[str]:
    """Interpreter workflow runs on ``queue``, counted per execution id."""
    runs: Counter[str] = Counter()
    async for found in temporal.list_workflows(f"TaskQueue = '{queue}'"):
        if found.id.startswith(INTERPRETER_PREFIX):
            runs[found.id.removeprefix(INTERPRETER_PREFIX)] += 1
    return runs


def side_effects(jobs: Sequence[Job], seen: Mapping[str, int]) -> tuple[int, int, int]:
    """Side effects expected, repeated (beyond the expected count) and missing."""
    expected = repeated = missing = 0
    for job in jobs:
        for path, times in job.effects.items():
            expected += times
            repeated += max(0, seen.get(path, 0) - times)
            missing += max(0, times - seen.get(path, 0))
    return expected, repeated, missing
