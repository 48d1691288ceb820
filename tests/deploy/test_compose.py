"""deploy/compose.yaml: the compose-spec JSON schema, and the stack's wiring."""

from __future__ import annotations

import json
from importlib import resources
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


@pytest.mark.parametrize("service", ["stigmer-server", "workflow-runner", "example"])
def test_environment_names_are_read_by_the_code(dp: Any, env_names: set[str], service: str) -> None:
    unknown = [k for k in dp.compose_env(service) if not dp.is_known_env(k, env_names)]
    assert not unknown, f"{service}: no code reads {unknown}"


def test_example_mounts_exist(dp: Any) -> None:
    example = dp.load_compose()["services"]["example"]
    for volume in example["volumes"]:
        host = volume.split(":")[0]
        assert (dp.DEPLOY / host).exists(), host
