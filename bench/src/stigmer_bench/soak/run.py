"""One chaos soak: start the fleet, run the jobs under chaos, check and report."""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stigmer_bench.api import StigmerApi
from stigmer_bench.results import percentile
from stigmer_bench.soak.chaos import Kill, chaos
from stigmer_bench.soak.checks import interpreter_runs, side_effects, stored_executions
from stigmer_bench.soak.driver import FailoverApi, Outcome, run_all
from stigmer_bench.soak.fleet import Replica, running_fleet
from stigmer_bench.soak.stub import counting_stub
from stigmer_bench.soak.workload import documents, jobs

_MB = 1024 * 1024
_SHOWN = 5


@dataclass(frozen=True)
class SoakConfig:
    """What to run.

    Attributes:
        executions: Executions to submit.
        concurrency: Executions in flight at a time.
        servers: stigmer-server replicas.
        runners: workflow-runner replicas.
        redis: ``single`` or ``cluster``.
        kill_every_s: Bounds of the random pause before each kill.
        kills: Stop killing after this many (``None``: until every execution has ended); the
            last quarter of the executions starts after the last kill.
        spare_witnesses: Never kill server-0 and runner-0, so their RSS spans the whole soak.
        seed: Seeds the job mix, the pauses and the victims.
        limit_s: How long one execution may take before it counts as stuck.
        out: Logs and data files.
        max_rss_growth: When set, a witness whose RSS grew by more than this factor from the
            warm sample to the end is a failure.
    """

    executions: int = 1000
    concurrency: int = 8
    servers: int = 2
    runners: int = 3
    redis: str = "single"
    kill_every_s: tuple[float, float] = (5.0, 15.0)
    kills: int | None = None
    spare_witnesses: bool = True
    seed: int = 21
    limit_s: float = 600.0
    out: Path = Path("soak-out")
    max_rss_growth: float | None = None


@dataclass(frozen=True)
class Memory:
    """RSS of one replica slot: warm (10 % of the executions done) and at the end, in MB."""

    replica: str
    warm_mb: float
    end_mb: float
    starts: int


@dataclass(frozen=True)
class SoakReport:
    """What one soak found (``problems`` empty means it passed)."""

    executions: int
    redis: str
    servers: int
    runners: int
    seconds: float
    startup_s: float
    phases: dict[str, int]
    wrong_outputs: int
    stored: int
    distinct_ids: int
    duplicate_runs: int
    missing_runs: int
    kills: list[Kill]
    call_retries: int
    effects_expected: int
    effects_repeated: int
    effects_missing: int
    p50_s: float
    p95_s: float
    memory: list[Memory]
    load_avg: tuple[float, float]
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)

    def markdown(self) -> str:
        """A short markdown summary."""
        kills = Counter(k.replica for k in self.kills)
        lines = [
            f"### Soak: {self.executions} executions, Redis {self.redis}, "
            f"{self.servers} servers, {self.runners} runners",
            "",
            f"- duration {self.seconds:.0f} s after a {self.startup_s:.0f} s start (1-min load {self.load_avg[0]:.1f} at start, "
            f"{self.load_avg[1]:.1f} at end); per execution p50 {self.p50_s:.1f} s, "
            f"p95 {self.p95_s:.1f} s",
            f"- kills {len(self.kills)} ({', '.join(f'{k} {n}' for k, n in sorted(kills.items()))})",
            f"- phases {dict(self.phases)}; wrong outputs {self.wrong_outputs}",
            f"- stored executions {self.stored}, distinct ids {self.distinct_ids}, "
            f"interpreter duplicates {self.duplicate_runs}, missing {self.missing_runs}; "
            f"calls retried {self.call_retries}",
            f"- side effects expected {self.effects_expected}, repeated "
            f"{self.effects_repeated}, missing {self.effects_missing}",
            "",
            "| replica | starts | RSS warm MB | RSS end MB |",
            "|---|---|---|---|",
            *(f"| {m.replica} | {m.starts} | {m.warm_mb} | {m.end_mb} |" for m in self.memory),
        ]
        if self.problems:
            lines += ["", "Problems:", *(f"- {p}" for p in self.problems)]
        return "\n".join(lines)


def _rss(replicas: tuple[Replica, ...]) -> dict[str, float]:
    return {r.name: round(r.rss() / _MB, 1) for r in replicas}


def _applier(doc: dict[str, Any]) -> Callable[[StigmerApi], Awaitable[str]]:
    return lambda api: api.apply(doc)


def _problems(
    config: SoakConfig, outcomes: list[Outcome], report: dict[str, Any], witnesses: set[str]
) -> list[str]:
    problems = []
    bad = [o for o in outcomes if o.phase != "EXECUTION_COMPLETED"]
    problems += [f"{o.job.key} ({o.job.kind}) {o.phase}: {o.error[:200]}" for o in bad[:_SHOWN]]
    wrong = [o for o in outcomes if o.phase == "EXECUTION_COMPLETED" and o.output != o.job.output]
    problems += [f"{o.job.key} output {o.output} != {o.job.output}" for o in wrong[:_SHOWN]]
    for name in ("stored", "distinct_ids"):
        if report[name] != config.executions:
            problems.append(f"{name} {report[name]} != {config.executions} submitted")
    for name in ("duplicate_runs", "missing_runs", "effects_missing"):
        if report[name]:
            problems.append(f"{name} {report[name]}")
    if config.max_rss_growth is not None:
        for m in report["memory"]:
            if m.replica in witnesses and m.end_mb > m.warm_mb * config.max_rss_growth:
                problems.append(f"{m.replica} RSS {m.warm_mb} -> {m.end_mb} MB")
    return problems


async def soak(config: SoakConfig, progress: bool = False) -> SoakReport:
    """Run one soak as configured and report on it."""
    rng = random.Random(config.seed)
    config.out.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()[0]
    begun = time.monotonic()
    with counting_stub() as (stub_url, counts):
        async with running_fleet(
            config.out, servers=config.servers, runners=config.runners, redis=config.redis
        ) as fleet:
            startup_s = time.monotonic() - begun
            api = FailoverApi(fleet.endpoints)
            try:
                kinds = documents()
                workflow_ids = {k: await api.call(_applier(d)) for k, d in kinds.items()}
                todo = jobs(config.executions, f"s{uuid.uuid4().hex[:6]}", stub_url, rng)
                victims = [
                    r
                    for r in fleet.replicas
                    if not (config.spare_witnesses and r.name in ("server-0", "runner-0"))
                ]
                warm: dict[str, float] = {}
                warm_at = max(1, config.executions // 10)
                done = 0

                def on_done(outcome: Outcome) -> None:
                    nonlocal done
                    done += 1
                    if done == warm_at:
                        warm.update(_rss(fleet.replicas))
                    if progress and (done % 50 == 0 or outcome.phase != "EXECUTION_COMPLETED"):
                        print(f"{done}/{config.executions} done, last {outcome.phase}", flush=True)

                started = time.monotonic()
                stop = asyncio.Event()
                # With a kill count, the last quarter waits for the last kill: every kill
                # then lands while executions run, however fast the machine.
                killed = asyncio.Event()
                killer = asyncio.create_task(
                    chaos(victims, rng, config.kill_every_s, config.kills, stop, started, killed)
                )
                killer.add_done_callback(lambda _: killed.set())
                hold = (config.executions * 3 // 4, killed) if config.kills else None
                outcomes = await run_all(
                    api,
                    workflow_ids,
                    todo,
                    concurrency=config.concurrency,
                    limit_s=config.limit_s,
                    on_done=on_done,
                    hold=hold,
                )
                seconds = time.monotonic() - started
                stop.set()
                kills = await killer
                end = _rss(fleet.replicas)
                stored = await stored_executions(
                    fleet.redis_url, fleet.env["STIGMER_REDIS_KEY_PREFIX"]
                )
                runs = await interpreter_runs(
                    fleet.temporal, fleet.env["TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE"]
                )
                call_retries = api.retries
            finally:
                await api.close()
            starts = {r.name: r.starts for r in fleet.replicas}
    ids = {o.execution_id for o in outcomes}
    expected, repeated, missing = side_effects(todo, counts.snapshot())
    seconds_each = [o.seconds for o in outcomes]
    fields: dict[str, Any] = {
        "executions": config.executions,
        "redis": config.redis,
        "servers": config.servers,
        "runners": config.runners,
        "seconds": round(seconds, 1),
        "startup_s": round(startup_s, 1),
        "phases": dict(Counter(o.phase for o in outcomes)),
        "wrong_outputs": sum(
            o.phase == "EXECUTION_COMPLETED" and o.output != o.job.output for o in outcomes
        ),
        "stored": stored,
        "distinct_ids": len(ids),
        "duplicate_runs": sum(n - 1 for n in runs.values() if n > 1),
        "missing_runs": len(ids - set(runs)),
        "kills": kills,
        "call_retries": call_retries,
        "effects_expected": expected,
        "effects_repeated": repeated,
        "effects_missing": missing,
        "p50_s": round(percentile(seconds_each, 50), 2),
        "p95_s": round(percentile(seconds_each, 95), 2),
        "memory": [Memory(name, warm.get(name, 0.0), end[name], starts[name]) for name in starts],
        "load_avg": (round(load_start, 2), round(os.getloadavg()[0], 2)),
    }
    problems = _problems(config, outcomes, fields, {"server-0", "runner-0"})
    return SoakReport(**fields, problems=problems)
