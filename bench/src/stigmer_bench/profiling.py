"""Sampling profiles of the services with py-spy, summarised by where the time goes."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("jq", ("jq.", "/jq/", "engine/evaluation.py", "stigmer_dsl/expressions.py")),
    ("betterproto2", ("betterproto2",)),
    ("google.protobuf", ("google/protobuf",)),
    ("grpc", ("grpc/", "grpc_", "_cython")),
    ("redis", ("redis/",)),
    ("temporalio", ("temporalio/",)),
    ("httpx/httpcore", ("httpx/", "httpcore/", "h11/", "anyio/")),
    ("json", ("json/",)),
    ("ssl", ("ssl.py",)),
    ("threads (pool, idle waits)", ("concurrent/futures/thread.py", "threading.py")),
    ("import machinery", ("<frozen importlib", "dataclasses.py", "typing.py", "re/")),
    ("yaml", ("yaml/",)),
    ("opentelemetry", ("opentelemetry/",)),
    ("logging", ("logging/",)),
    ("asyncio", ("asyncio/", "selectors.py")),
    ("ours", ("stigmer_server/", "workflow_runner/", "stigmer_protos/", "stigmer_telemetry/")),
)
"""Leaf-frame categories, first match wins (a frame is ``function (path:line)``)."""

INCLUSIVE_MARKERS: Mapping[str, tuple[str, ...]] = {
    "temporal workflow activation (sandbox + our workflow code)": (
        "temporalio/worker/_workflow_instance.py",
    ),
    "temporal sandbox (all)": ("temporalio/worker/workflow_sandbox/",),
    "temporal sandbox re-imports": ("workflow_sandbox/_importer.py",),
    "ssl context creation": ("create_default_context",),
    "temporal payload conversion": ("temporalio/converter.py",),
    "stigmer_protos payload converter": ("stigmer_protos/temporal",),
    "betterproto2 (de)serialization": ("betterproto2",),
    "jq (compile + run)": ("jq.", "engine/evaluation.py", "stigmer_dsl/expressions.py"),
    "redis client": ("redis/",),
    "grpc (client + server)": ("grpc/",),
    "DSL loader (yaml parse, schema validation)": ("stigmer_dsl/loader.py", "schema_validation"),
    "status merge (server)": ("status_merge.py",),
    "opentelemetry SDK/instrumentation": (
        "opentelemetry/sdk",
        "opentelemetry/instrumentation",
        "opentelemetry/trace/",
    ),
    "logging": ("logging/",),
}
"""Inclusive markers: share of samples whose stack contains any of these substrings."""


def pyspy_binary() -> str | None:
    """The ``py-spy`` executable next to this interpreter, or on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


@contextlib.contextmanager
def record(pids: Mapping[str, int], out_dir: Path, label: str) -> Iterator[dict[str, Path]]:
    """Sample every process in ``pids`` while the block runs; yield their raw output paths.

    Output is py-spy's collapsed-stack ``raw`` format, one file per process.

    Raises:
        RuntimeError: py-spy is not installed.
    """
    binary = pyspy_binary()
    if binary is None:
        raise RuntimeError("py-spy is not installed: pip install 'stigmer-bench[profile]'")
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {name: out_dir / f"{label}-{name}.txt" for name in pids}
    procs = [
        subprocess.Popen(
            [
                binary,
                "record",
                "-p",
                str(pid),
                "-f",
                "raw",
                "-r",
                "200",
                "--nonblocking",
                "-o",
                str(outputs[name]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]
    try:
        yield outputs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks: list[tuple[list[str], int]] = []
    if not path.exists():
        return stacks
    for line in path.read_text().splitlines():
        head, _, count = line.rpartition(" ")
        if head and count.isdigit():
            stacks.append((head.split(";"), int(count)))
    return stacks


def _category(frame: str) -> str:
    for name, needles in CATEGORIES:
        if any(n in frame for n in needles):
            return name
    return "other"


def summarize(path: Path, top: int = 15) -> dict[str, Any]:
    """Summarise one raw profile: samples, leaf categories, inclusive markers, hot frames.

    Args:
        path: A py-spy ``raw`` output file.
        top: How many hot frames to list.
    """
    stacks = _stacks(path)
    total = sum(count for _, count in stacks)
    if not total:
        return {"samples": 0}
    leaf_categories: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    ours_inclusive: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        leaf = frames[-1]
        leaf_categories[_category(leaf)] += count
        leaves[leaf] += count
        joined = ";".join(frames)
        for name, needles in INCLUSIVE_MARKERS.items():
            if any(n in joined for n in needles):
                inclusive[name] += count
        for frame in set(frames):
            if any(p in frame for p in ("stigmer_server/", "workflow_runner/", "stigmer_protos/")):
                ours_inclusive[frame] += count
    share = 100.0 / total
    return {
        "samples": total,
        "self_by_category_pct": {k: round(v * share, 1) for k, v in leaf_categories.most_common()},
        "inclusive_pct": {k: round(v * share, 1) for k, v in inclusive.most_common()},
        "hot_leaf_frames_pct": {k: round(v * share, 1) for k, v in leaves.most_common(top)},
        "hot_own_functions_inclusive_pct": {
            k: round(v * share, 1) for k, v in ours_inclusive.most_common(top)
        },
    }
