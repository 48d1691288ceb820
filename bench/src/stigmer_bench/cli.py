"""``python -m stigmer_bench``: run the scenarios and write one JSON line per scenario.

Examples:
    python -m stigmer_bench                     # full run on a stack of its own
    python -m stigmer_bench --quick             # smallest sizes (smoke)
    python -m stigmer_bench --only latency,api  # some scenarios
    python -m stigmer_bench --endpoint 127.0.0.1:7234 --temporal 127.0.0.1:7233 \\
        --server-pid 1234 --runner-pid 1235     # an already running stack
    python -m stigmer_bench --profile out/      # also py-spy the services during throughput
    python -m stigmer_bench --compare old.jsonl # run, then print the change against old.jsonl
    python -m stigmer_bench --compare old.jsonl --against new.jsonl  # compare two saved runs
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

import grpc
from temporalio.client import Client

from stigmer_bench import compare
from stigmer_bench import target as targets
from stigmer_bench.api import StigmerApi
from stigmer_bench.results import ScenarioResult
from stigmer_bench.scenarios import FULL, QUICK, SCENARIOS, Bench, Sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m stigmer_bench",
        description="Benchmark the Stigmer stack against plain Temporal, in the same run.",
    )
    parser.add_argument("--quick", action="store_true", help="smallest sizes (smoke test)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated scenarios out of {','.join(SCENARIOS)}"
    )
    parser.add_argument("--endpoint", help="stigmer-server host:port (else start a stack)")
    parser.add_argument("--temporal", help="Temporal frontend host:port of that stack")
    parser.add_argument("--namespace", default="default", help="Temporal namespace")
    parser.add_argument("--server-pid", type=int, help="stigmer-server pid (memory scenario)")
    parser.add_argument("--runner-pid", type=int, help="workflow-runner pid (memory scenario)")
    parser.add_argument("--output", type=Path, help="also append the JSON lines to this file")
    parser.add_argument("--profile", type=Path, help="py-spy the services during throughput")
    parser.add_argument("--data-dir", type=Path, help="data/log directory of the own stack")
    parser.add_argument(
        "--temporal-store",
        choices=("file", "memory"),
        help="where the own stack's Temporal dev server keeps its state (default file: every "
        "write goes to one SQLite file; memory: the dev server's own default)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="FILE",
        help="JSON lines of an earlier run: print the change of every figure against it to "
        "stderr and add it to each line as extra.compare",
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="FILE",
        help="with --compare: run nothing, print the change from --compare FILE to this "
        "FILE's JSON lines to stdout",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=N",
        help="override one size, e.g. --set throughput_n=500 (see Sizes)",
    )
    args = parser.parse_args(argv)
    if bool(args.endpoint) != bool(args.temporal):
        parser.error("--endpoint and --temporal go together")
    if args.endpoint and args.temporal_store:
        parser.error("--temporal-store is for the own stack: leave out --endpoint")
    if args.against and not args.compare:
        parser.error("--against needs --compare (the earlier run)")
    run_options = (
        "quick",
        "only",
        "endpoint",
        "output",
        "profile",
        "data_dir",
        "temporal_store",
        "set",
    )
    if args.against and any(getattr(args, name) for name in run_options):
        parser.error("--against runs nothing: leave out the options of a run")
    unknown = set(filter(None, args.only.split(","))) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    try:
        args.earlier = compare.load_run(args.compare) if args.compare else None
        args.later = compare.load_run(args.against) if args.against else None
    except compare.RunFileError as exc:
        parser.error(str(exc))
    return args


def _sizes(args: argparse.Namespace) -> Sizes:
    sizes = QUICK if args.quick else FULL
    fields = {f.name: f.type for f in dataclasses.fields(Sizes)}
    for item in args.set:
        name, _, value = item.partition("=")
        if name not in fields:
            raise SystemExit(f"--set: unknown size {name!r}; one of {', '.join(fields)}")
        number = float(value) if fields[name] == "float" else int(value)
        sizes = dataclasses.replace(sizes, **{name: number})  # type: ignore[arg-type]
    return sizes


@contextlib.contextmanager
def _target(args: argparse.Namespace) -> Iterator[targets.Target]:
    if args.endpoint:
        with targets.external(
            args.endpoint, args.temporal, args.namespace, args.server_pid, args.runner_pid
        ) as found:
            yield found
    else:
        with targets.own_stack(args.data_dir, args.temporal_store or "file") as started:
            yield started


async def run(
    target: targets.Target,
    sizes: Sizes,
    names: list[str],
    *,
    quick: bool,
    out: TextIO,
    copy: TextIO | None = None,
    profile_dir: Path | None = None,
    earlier: Mapping[str, Mapping[str, Any]] | None = None,
    earlier_name: str = "",
) -> tuple[list[ScenarioResult], dict[str, Mapping[str, Any]]]:
    """Run ``names`` against ``target``, writing each result's JSON line as it comes.

    A scenario that fails is reported as a JSON line with an ``error`` and the run goes on.
    With ``earlier``, each result's ``extra.compare`` holds its change against that run.

    Args:
        target: What to run against.
        sizes: Scenario sizes.
        names: Scenarios to run, in order.
        quick: Whether these are the smoke sizes.
        out: Receives the JSON lines.
        copy: Receives them too, if given.
        profile_dir: Where py-spy profiles go, if profiling.
        earlier: An earlier run's lines by scenario, to compare with.
        earlier_name: What to call the earlier run (its file).

    Returns:
        The results of the scenarios that succeeded, and every line written by scenario.
    """
    temporal = await Client.connect(target.temporal, namespace=target.namespace)
    results: list[ScenarioResult] = []
    lines: dict[str, Mapping[str, Any]] = {}
    async with grpc.aio.insecure_channel(target.endpoint) as channel:
        bench = Bench(
            target, StigmerApi(channel), temporal, sizes, quick=quick, profile_dir=profile_dir
        )
        for name in names:
            started = time.perf_counter()
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
            try:
                result = await SCENARIOS[name](bench)
            except Exception as exc:
                failure = {"scenario": name, "error": f"{type(exc).__name__}: {exc}"}
                lines[name] = failure
                line = json.dumps(failure)
                print(f"[bench] {name} failed: {exc!r}", file=sys.stderr, flush=True)
            else:
                if target.temporal_store == "memory":
                    # Not the default: marked, so that --compare flags a run on the other store.
                    result = dataclasses.replace(
                        result, params={**result.params, "temporal_store": "memory"}
                    )
                lines[name] = json.loads(result.to_json())
                if earlier is not None:
                    change = compare.compare_scenario(name, earlier.get(name), lines[name])
                    result = dataclasses.replace(
                        result,
                        extra={
                            **result.extra,
                            "compare": {"against": earlier_name, **change.to_json()},
                        },
                    )
                results.append(result)
                line = result.to_json()
                print(
                    f"[bench] {name} done in {time.perf_counter() - started:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
            for stream in (out, copy):
                if stream is not None:
                    stream.write(line + "\n")
                    stream.flush()
    return results, lines


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 1 when a scenario failed to run (not when a target is missed)."""
    args = parse_args(argv)
    if args.later is not None:
        comparisons = compare.compare_runs(args.earlier, args.later)
        print(compare.render(comparisons, str(args.compare), str(args.against)))
        return 0
    sizes = _sizes(args)
    names = [n for n in SCENARIOS if not args.only or n in args.only.split(",")]
    # The stack's services run in sessions of their own, so a terminated bench must unwind
    # (and stop them) instead of dying at once and leaving them running.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with contextlib.ExitStack() as stack:
        copy = stack.enter_context(args.output.open("a")) if args.output else None
        target = stack.enter_context(_target(args))
        results, lines = asyncio.run(
            run(
                target,
                sizes,
                names,
                quick=args.quick,
                out=sys.stdout,
                copy=copy,
                profile_dir=args.profile,
                earlier=args.earlier,
                earlier_name=str(args.compare),
            )
        )
    print("\nsummary (ratios are against a baseline measured in this run):", file=sys.stderr)
    for result in results:
        print(result.summary(), file=sys.stderr)
    if args.earlier is not None:
        comparisons = compare.compare_runs(args.earlier, lines)
        print("\n" + compare.render(comparisons, str(args.compare), "this run"), file=sys.stderr)
    return 0 if len(results) == len(names) else 1
