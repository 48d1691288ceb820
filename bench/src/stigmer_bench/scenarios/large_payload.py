"""Scenario 7: one execution per response size, its time and peak memory."""

from __future__ import annotations

import asyncio
import functools
import urllib.request

from stigmer_bench.api import document
from stigmer_bench.results import ScenarioResult, safe_ratio
from stigmer_bench.scenarios._bench import (
    LARGE_PAYLOAD_MIB,
    MIB,
    SET_FOR_MIB,
    Bench,
    RssSampler,
    check_completed,
    idle_rss,
    timed,
)


async def _get(url: str) -> None:
    def read() -> None:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()

    await asyncio.to_thread(read)


async def _set_for(bench: Bench, pids: dict[str, int]) -> tuple[float, float]:
    """One execution whose ``for`` evaluates its collection and first iteration over the
    response (two jq evaluations over a 10 MiB context, in the evaluation local activity,
    ADR 0033); results stay small, within the default expression budget."""
    url = f"{bench.target.stub_url}/bytes/{SET_FOR_MIB * MIB}"
    doc = document(
        f"bench-large-set-for-{SET_FOR_MIB}",
        [
            {"fetch": {"call": "http", "with": {"method": "get", "endpoint": url}}},
            {
                "loop": {
                    "for": {"each": "item", "in": "${ .items[0:3] }"},
                    "do": [{"pick": {"set": {"id": "${ $item.id }"}}}],
                }
            },
        ],
    )
    workflow_id = await bench.api.apply(doc)
    idle = await idle_rss(pids)
    async with RssSampler(pids, interval=0.05) as sampler:
        followed = await bench.api.run(workflow_id, limit_s=600.0)
    check_completed(followed.phase, followed.error, f"{SET_FOR_MIB} MiB set/for")
    peak = sum(sampler.peak[k] - idle[k] for k in pids)
    return round(followed.seconds, 3), round(peak / MIB, 1)


async def large_payload(bench: Bench) -> ScenarioResult:
    """Scenario 7: one execution per response size (1, 5, 20 MiB), its time and peak memory.

    When the sizes reach 10 MiB, one more execution runs jq over a 10 MiB response in a
    ``for`` (``set_for`` figures).

    The response becomes the workflow's output, so it crosses Temporal four times (activity
    result, interpreter result, ``ExecuteWorkflow`` result, status update), each time through
    external payload storage (ADR 0031); the record then holds it by reference (ADR 0033).
    Peak RSS is the services' (server + runner) above idle.

    Raises:
        RuntimeError: The service pids are unknown, or an execution did not complete.
    """
    pids = bench.service_pids()
    if len(pids) != 2:
        raise RuntimeError("large_payload needs the server and runner pids")
    ours: dict[str, float] = {}
    baseline: dict[str, float] = {}
    sizes = [m for m in LARGE_PAYLOAD_MIB if m <= bench.sizes.large_payload_max_mib]
    for mib in sizes:
        url = f"{bench.target.stub_url}/bytes/{mib * MIB}"
        doc = document(
            f"bench-large-{mib}",
            [{"fetch": {"call": "http", "with": {"method": "get", "endpoint": url}}}],
        )
        workflow_id = await bench.api.apply(doc)
        idle = await idle_rss(pids)
        async with RssSampler(pids, interval=0.05) as sampler:
            followed = await bench.api.run(workflow_id, limit_s=600.0)
        check_completed(followed.phase, followed.error, f"{mib} MiB response")
        ours[f"seconds_{mib}mib"] = round(followed.seconds, 3)
        peak = sum(sampler.peak[k] - idle[k] for k in pids)
        ours[f"peak_rss_mib_{mib}mib"] = round(peak / MIB, 1)
        baseline[f"get_seconds_{mib}mib"] = round(await timed(functools.partial(_get, url)), 4)
    if bench.sizes.large_payload_max_mib >= SET_FOR_MIB:
        set_for_seconds, set_for_peak = await _set_for(bench, pids)
        ours[f"seconds_set_for_{SET_FOR_MIB}mib"] = set_for_seconds
        ours[f"peak_rss_mib_set_for_{SET_FOR_MIB}mib"] = set_for_peak
    largest = sizes[-1]
    return ScenarioResult(
        scenario="large_payload",
        params={"response_mib": sizes},
        ours=ours,
        baseline=baseline,
        ratio=round(
            safe_ratio(ours[f"seconds_{largest}mib"], baseline[f"get_seconds_{largest}mib"]), 1
        ),
        ratio_definition=(
            "execution seconds / one plain GET of the same response by this process, largest "
            "size (a plain Temporal worker fails above 2 MiB, so it is no baseline)"
        ),
        target="every size completes",
        met=bench.judge(True),
        notes=(
            "one execution per size, run alone; RSS is sampled every 50 ms, so short peaks "
            "may be missed",
        ),
    )
