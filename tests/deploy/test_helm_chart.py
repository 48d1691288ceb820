"""deploy/helm/stigmer: helm lint, and every rendered manifest against Kubernetes' schemas.

Rendering uses the Helm v4 Go SDK through helm-python-sdk (the same template engine as the
``helm`` binary, no cluster needed); the manifests are validated with kubernetes-validate's
strict schemas (unknown fields are errors), as kubeconform -strict does in CI.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from workflow_runner.engine.network_policy import NetworkPolicy

KUBE_VERSIONS = ("1.30.0", "1.34.0")
RELEASE = "stigmer"


def _values(dp: Any, name: str) -> dict[str, Any] | None:
    if name == "default":
        return None
    data = yaml.safe_load((dp.CHART / "ci" / f"{name}-values.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _render(dp: Any, values: dict[str, Any] | None) -> list[dict[str, Any]]:
    helm = dp.import_tool("helm_python")
    chart = helm.Chart.load(str(dp.CHART))
    rendered = chart.render(values, name=RELEASE, namespace="stigmer", is_install=True)
    docs: list[dict[str, Any]] = []
    for path, text in sorted(rendered.items()):
        if path.endswith(".txt"):
            continue
        docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


def _by_kind(docs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


@pytest.mark.parametrize("values", ["default", "full"])
def test_helm_lint(dp: Any, values: str) -> None:
    helm = dp.import_tool("helm_python")
    report = helm.lint(str(dp.CHART), _values(dp, values), strict=True)
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    assert not problems, problems


@pytest.mark.parametrize("kube", KUBE_VERSIONS)
@pytest.mark.parametrize("values", ["default", "full"])
def test_manifests_match_kubernetes_schemas(dp: Any, values: str, kube: str) -> None:
    kv = dp.import_tool("kubernetes_validate")
    docs = _render(dp, _values(dp, values))
    assert docs
    for doc in docs:
        kv.validate(doc, kube, strict=True)


def test_default_release(dp: Any) -> None:
    objs = _by_kind(_render(dp, None))
    server = objs[("Deployment", "stigmer-server")]["spec"]
    runner = objs[("Deployment", "stigmer-runner")]["spec"]
    assert server["replicas"] >= 2 and runner["replicas"] >= 1
    container = server["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["grpc"]["port"] == 7234
    assert container["startupProbe"]["grpc"]["port"] == 7234
    assert container["resources"]["requests"] and container["resources"]["limits"]
    runner_container = runner["template"]["spec"]["containers"][0]
    assert runner_container["livenessProbe"]["exec"]["command"][-1].endswith("runner_health.py")
    assert runner_container["resources"]["limits"]
    assert ("PodDisruptionBudget", "stigmer-server") in objs
    assert ("PodDisruptionBudget", "stigmer-runner") in objs
    assert not [k for k in objs if k[0] == "HorizontalPodAutoscaler"]
    assert not [k for k in objs if k[0] == "Secret"], "the chart must only reference Secrets"
    service = objs[("Service", "stigmer-server")]["spec"]
    assert service["selector"] == server["selector"]["matchLabels"]
    env = {e["name"]: e for e in runner_container["env"]}
    assert env["STIGMER_BACKEND_ENDPOINT"]["value"] == "stigmer-server:7234"


def test_full_release_references_secrets(dp: Any) -> None:
    objs = _by_kind(_render(dp, _values(dp, "full")))
    server = objs[("Deployment", "stigmer-server")]["spec"]
    assert "replicas" not in server, "the HPA owns the replica count"
    assert ("HorizontalPodAutoscaler", "stigmer-runner") in objs
    s_env = {e["name"]: e for e in server["template"]["spec"]["containers"][0]["env"]}
    assert s_env["REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == "stigmer-redis"
    assert s_env["TEMPORAL_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "temporal-cloud"
    keys = s_env["STIGMER_SECRETS_KEYS"]["valueFrom"]["secretKeyRef"]
    assert keys == {"name": "stigmer-secrets-keys", "key": "secrets-keys"}
    assert s_env["TEMPORAL_TLS_CLIENT_CERT_PATH"]["value"].startswith("/etc/stigmer/temporal-tls/")
    runner = objs[("Deployment", "stigmer-runner")]["spec"]["template"]["spec"]
    r_env = {e["name"]: e for e in runner["containers"][0]["env"]}
    assert r_env["STIGMER_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "stigmer-api-key"
    assert {v["name"] for v in runner["volumes"]} == {"tmp", "temporal-tls"}
    config = objs[("ConfigMap", "stigmer")]["data"]
    assert config["TEMPORAL_TLS"] == "true"
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"].endswith(":4317")


@pytest.mark.parametrize("values", ["default", "full"])
def test_environment_names_are_read_by_the_code(dp: Any, env_names: set[str], values: str) -> None:
    objs = _render(dp, _values(dp, values))
    names: set[str] = set()
    for doc in objs:
        if doc["kind"] == "ConfigMap":
            names.update(doc["data"])
        if doc["kind"] == "Deployment":
            for container in doc["spec"]["template"]["spec"]["containers"]:
                names.update(e["name"] for e in container.get("env", []))
    unknown = sorted(n for n in names if not dp.is_known_env(n, env_names))
    assert not unknown, f"no code reads {unknown}"


def test_runner_egress_denies_loopback_and_private_ranges_by_default(dp: Any) -> None:
    def runner_env(values: dict[str, Any] | None) -> dict[str, Any]:
        objs = _by_kind(_render(dp, values))
        spec = objs[("Deployment", "stigmer-runner")]["spec"]["template"]["spec"]
        return {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}

    env = runner_env(None)
    policy = NetworkPolicy.from_settings(
        env["STIGMER_EGRESS_ALLOW_CIDRS"], env["STIGMER_EGRESS_DENY_CIDRS"]
    )
    for denied in ("127.0.0.1", "::1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "fd00::1"):
        assert policy.check(denied) is not None, denied
    assert policy.check("8.8.8.8") is None
    assert "STIGMER_ALLOW_FILE_RESOURCES" not in env
    opted = runner_env({"runner": {"fileResources": {"enabled": True, "root": "/specs"}}})
    assert opted["STIGMER_ALLOW_FILE_RESOURCES"] == "true"
    assert opted["STIGMER_FILE_RESOURCES_ROOT"] == "/specs"
