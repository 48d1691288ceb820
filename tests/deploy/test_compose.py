"""deploy/compose.yaml: the compose-spec JSON schema, and the stack's wiring."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest


def test_compose_spec_schema(dp: Any) -> None:
    """Validate against the official compose-spec schema (as vendored by check-jsonschema)."""
    dp.import_tool("check_jsonschema")
    import jsonschema

    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(dp.load_compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_start_order_is_health_gated(dp: Any) -> None:
    services = dp.load_compose()["services"]
    for name, service in services.items():
        for dep, rule in service.get("depends_on", {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no healthcheck"
    assert services["stigmer-server"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["stigmer-server"]["depends_on"]["temporal"]["condition"] == "service_healthy"
    assert (
        services["workflow-runner"]["depends_on"]["stigmer-server"]["condition"]
        == "service_healthy"
    )


def test_stack_components(dp: Any) -> None:
    services = dp.load_compose()["services"]
    temporal = services["temporal"]
    assert temporal["image"].startswith("temporalio/temporal:")
    assert temporal["command"][:4] == ["server", "start-dev", "--ip", "0.0.0.0"]
    redis = services["redis"]
    assert redis["image"].startswith("redis:") and ":-7" in redis["image"]
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert services["jaeger"]["image"].startswith("jaegertracing/all-in-one:")
    for name in dp.SERVICES:
        env = dp.compose_env(name)
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4317"
        build = services[name]["build"]
        assert (dp.DEPLOY / build["context"] / build["dockerfile"]).is_file()
    assert dp.compose_env("stigmer-server")["REDIS_URL"] == "redis://redis:6379/0"
    assert dp.compose_env("workflow-runner")["STIGMER_BACKEND_ENDPOINT"] == "stigmer-server:7234"


def test_runner_is_scalable(dp: Any) -> None:
    runner = dp.load_compose()["services"]["workflow-runner"]
    assert "container_name" not in runner and "ports" not in runner


def _published(dp: Any) -> list[tuple[str, str]]:
    """(service, host_ip) of every published port, short and long syntax."""
    result = []
    for name, service in dp.load_compose()["services"].items():
        for port in service.get("ports", []):
            if isinstance(port, dict):
                result.append((name, str(port.get("host_ip", ""))))
                continue
            parts = dp.interpolate_defaults(str(port)).split(":")
            result.append((name, parts[0] if len(parts) == 3 else ""))
    return result


def test_every_port_is_published_on_loopback_only(dp: Any) -> None:
    published = _published(dp)
    assert {name for name, _ in published} >= {"stigmer-server", "temporal", "jaeger"}
    assert [p for p in published if p[1] != "127.0.0.1"] == []
    services = dp.load_compose()["services"]
    temporal = [dp.interpolate_defaults(p) for p in services["temporal"]["ports"]]
    assert sorted(temporal) == ["127.0.0.1:7233:7233", "127.0.0.1:8233:8233"]


def _mount(service: dict[str, Any], volume: str) -> str | None:
    for spec in service.get("volumes", []):
        source, target, *_ = spec.split(":")
        if source == volume:
            return str(target)
    return None


def test_generated_keys_are_wired_to_the_server_and_the_runner(dp: Any) -> None:
    services = dp.load_compose()["services"]
    keys = services["stigmer-keys"]
    assert keys["restart"] == "no" and keys["network_mode"] == "none"
    args = keys["entrypoint"]
    server_dir, runner_dir = (
        args[args.index("--server-dir") + 1],
        args[args.index("--runner-dir") + 1],
    )
    assert _mount(keys, "stigmer-keys") == server_dir
    assert _mount(keys, "stigmer-runner-key") == runner_dir
    assert args[args.index("--owner") + 1] == "10001:10001", "the services' user (Dockerfiles)"

    for name in ("stigmer-server", "workflow-runner"):
        rule = services[name]["depends_on"]["stigmer-keys"]
        assert rule["condition"] == "service_completed_successfully"
    server = services["stigmer-server"]
    server_mount = _mount(server, "stigmer-keys")
    assert server_mount is not None
    assert dp.compose_env("stigmer-server")["STIGMER_API_KEYS_FILE"] == f"{server_mount}/api-keys"
    runner = services["workflow-runner"]
    runner_mount = _mount(runner, "stigmer-runner-key")
    assert runner_mount is not None
    assert dp.compose_env("workflow-runner")["STIGMER_API_KEY_FILE"] == f"{runner_mount}/runner-key"
    assert "STIGMER_API_KEY" not in dp.compose_env("workflow-runner")
    assert _mount(runner, "stigmer-keys") is None, "the runner must not see the admin key"
    for spec in [*server["volumes"], *runner["volumes"]]:
        assert spec.endswith(":ro"), spec
    example = services["example"]
    assert (
        dp.compose_env("example")["STIGMER_API_KEY_FILE"]
        == f"{_mount(example, 'stigmer-keys')}/admin-key"
    )


def _generate_keys(dp: Any, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    script = dp.DOCKER / "generate_keys.py"
    argv = [sys.executable, str(script), "--server-dir", str(tmp_path / "server")]
    argv += ["--runner-dir", str(tmp_path / "runner"), *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)


def test_keys_are_generated_once_and_shown_on_demand(dp: Any, tmp_path: Path) -> None:
    (tmp_path / "server").mkdir()
    (tmp_path / "runner").mkdir()
    first = _generate_keys(dp, tmp_path)
    assert first.returncode == 0, first.stderr
    keys_file = tmp_path / "server" / "api-keys"
    lines = [line for line in keys_file.read_text().splitlines() if not line.startswith("#")]
    scopes = dict(line.split(":", 1) for line in lines)
    assert set(scopes) == {"admin", "runner"} and len(set(scopes.values())) == 2
    assert all(len(key) >= 40 for key in scopes.values())
    assert (tmp_path / "runner" / "runner-key").read_text().strip() == scopes["runner"]
    assert sorted(p.name for p in (tmp_path / "runner").iterdir()) == ["runner-key"]
    for path in [keys_file, tmp_path / "runner" / "runner-key"]:
        assert path.stat().st_mode & 0o777 == 0o400
    # Nothing secret in the log; the admin key only through `show`.
    assert scopes["admin"] not in first.stdout and "stigmer-keys show" in first.stdout

    again = _generate_keys(dp, tmp_path)
    assert again.returncode == 0 and "kept" in again.stdout
    assert (
        dict(
            line.split(":", 1)
            for line in keys_file.read_text().splitlines()
            if not line.startswith("#")
        )
        == scopes
    )
    shown = _generate_keys(dp, tmp_path, "show")
    assert shown.returncode == 0 and shown.stdout == f"{scopes['admin']}\n"


def test_show_before_any_key_fails(dp: Any, tmp_path: Path) -> None:
    result = _generate_keys(dp, tmp_path, "show")
    assert result.returncode == 1 and "start the stack first" in result.stderr


@pytest.mark.parametrize("service", ["stigmer-server", "workflow-runner", "example"])
def test_environment_names_are_read_by_the_code(dp: Any, env_names: set[str], service: str) -> None:
    unknown = [k for k in dp.compose_env(service) if not dp.is_known_env(k, env_names)]
    assert not unknown, f"{service}: no code reads {unknown}"


def test_mounts_exist(dp: Any) -> None:
    compose = dp.load_compose()
    for name in ("example", "stigmer-keys"):
        for volume in compose["services"][name]["volumes"]:
            host = volume.split(":")[0]
            assert host in compose["volumes"] or (dp.DEPLOY / host).exists(), host
