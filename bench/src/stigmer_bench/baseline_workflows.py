"""Hand-written temporalio workflows doing the same work as the benchmark's DSL documents.

They import nothing but ``temporalio`` so that the worker's sandbox loads them cheaply; the one
activity (:data:`HTTP_ACTIVITY`) is called by name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

HTTP_ACTIVITY = "bench_http_get"
"""Activity name: GET a URL and return its decoded JSON body."""

_ACTIVITY_TIMEOUT = timedelta(seconds=30)


@workflow.defn(name="BenchSetHttpSet")
class SetHttpSet:
    """``set -> call http -> set``: the throughput workload."""

    @workflow.run
    async def run(self, url: str) -> dict[str, Any]:
        """Set a value, GET ``url``, keep a field of the answer."""
        data: dict[str, Any] = {"id": 1}
        answer: dict[str, Any] = await workflow.execute_activity(
            HTTP_ACTIVITY, url, start_to_close_timeout=_ACTIVITY_TIMEOUT
        )
        return {"id": data["id"], "name": answer.get("name")}


@workflow.defn(name="BenchOneTask")
class OneTask:
    """One ``set``: the latency workload."""

    @workflow.run
    async def run(self, value: int) -> dict[str, Any]:
        """Return a one-field object."""
        return {"done": True, "value": value}


@workflow.defn(name="BenchFanOut")
class FanOut:
    """``for`` over ``count`` items, one GET each, one after the other (as the DSL ``for``)."""

    @workflow.run
    async def run(self, url: str, count: int) -> list[Any]:
        """GET ``url`` ``count`` times sequentially and return the answers."""
        answers: list[Any] = []
        for _ in range(count):
            answers.append(
                await workflow.execute_activity(
                    HTTP_ACTIVITY, url, start_to_close_timeout=_ACTIVITY_TIMEOUT
                )
            )
        return answers


@workflow.defn(name="BenchWait")
class Wait:
    """One durable timer: the memory workload."""

    @workflow.run
    async def run(self, seconds: float) -> None:
        """Sleep ``seconds`` on the workflow clock."""
        await workflow.sleep(seconds)


WORKFLOWS: tuple[type, ...] = (SetHttpSet, OneTask, FanOut, Wait)
