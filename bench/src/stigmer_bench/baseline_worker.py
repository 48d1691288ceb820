"""The baseline's worker process: ``python -m stigmer_bench.baseline_worker ADDRESS QUEUE``.

It runs the plain temporalio workflows of :mod:`stigmer_bench.baseline_workflows` and their one
HTTP activity (a fresh ``httpx.AsyncClient`` per call, as the DSL engine's ``call: http``), in a
process of its own like our workflow-runner, so that both sides pay for a separate process.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import httpx
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from stigmer_bench.baseline_workflows import HTTP_ACTIVITY, WORKFLOWS


@activity.defn(name=HTTP_ACTIVITY)
async def http_get(url: str) -> Any:
    """GET ``url`` and return its JSON body."""
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(url)
    return response.json()


async def serve(address: str, task_queue: str, namespace: str = "default") -> None:
    """Poll ``task_queue`` until SIGTERM or SIGINT.

    Args:
        address: Temporal frontend ``host:port``.
        task_queue: The queue the benchmark starts baseline workflows on.
        namespace: Temporal namespace.
    """
    client = await Client.connect(address, namespace=namespace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(
        client, task_queue=task_queue, workflows=list(WORKFLOWS), activities=[http_get]
    ):
        print("baseline worker polling", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``ADDRESS QUEUE [NAMESPACE]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m stigmer_bench.baseline_worker ADDRESS QUEUE [NAMESPACE]")
        return 2
    asyncio.run(serve(args[0], args[1], *(args[2:3])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
