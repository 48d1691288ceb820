"""deploy/helm/stigmer: helm lint, and every rendered manifest against Kubernetes' schemas.

Rendering uses the Helm v4 Go SDK through helm-python-sdk (the same template engine as the
``helm`` binary, no cluster needed); the manifests are validated with kubernetes-validate's
strict schemas (unknown fields are errors), as kubeconform -strict does in CI.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from workflow_runner.engine.network_policy import NetworkPolicy

KUBE_VERSIONS = ("1.30.0", "1.34.0")
RELEASE = "stigmer"
KEYS_SECRET = "stigmer-api-keys"
TLS_DIR = "/etc/stigmer/grpc-tls"
# CRDs of cert-manager: not in Kubernetes' schemas, checked field by field below.
CRD_GROUPS = ("cert-manager.io/",)


def _values(dp: Any, name: str) -> dict[str, Any] | None:
    if name == "default":
        return None
    data = yaml.safe_load((dp.CHART / "ci" / f"{name}-values.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _render(
    dp: Any, values: dict[str, Any] | None, chart_dir: Path | None = None
) -> list[dict[str, Any]]:
    helm = dp.import_tool("helm_python")
    chart = helm.Chart.load(str(chart_dir or dp.CHART))
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
        if not doc["apiVersion"].startswith(CRD_GROUPS):
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
    secrets = [k for k in objs if k[0] == "Secret"]
    assert secrets == [("Secret", KEYS_SECRET)], "only the generated API keys may be created"
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
    assert s_env["TEMPORAL_TLS_SERVER_CA_CERT_PATH"]["value"] == "/etc/stigmer/temporal-ca/ca.crt"
    runner = objs[("Deployment", "stigmer-runner")]["spec"]["template"]["spec"]
    r_env = {e["name"]: e for e in runner["containers"][0]["env"]}
    assert r_env["STIGMER_API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "stigmer-api-keys",
        "key": "runner-key",
    }
    for name in (
        "TEMPORAL_API_KEY",
        "TEMPORAL_TLS_CLIENT_CERT_PATH",
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    ):
        assert r_env[name] == s_env[name], f"both services must reach Temporal alike: {name}"
    assert {v["name"] for v in runner["volumes"]} == {
        "tmp",
        "temporal-tls",
        "temporal-ca",
        "grpc-tls",
    }
    assert not [k for k in objs if k[0] == "Secret"], "an existing keys Secret: none created"
    config = objs[("ConfigMap", "stigmer")]["data"]
    assert config["TEMPORAL_TLS"] == "true"
    assert config["TEMPORAL_TLS_SERVER_NAME"] == "temporal.internal.example"
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"].endswith(":4317")
    assert ("Certificate", "stigmer-server-tls") in objs
    assert ("Certificate", "stigmer-runner-tls") in objs
    assert {k[1] for k in objs if k[0] == "NetworkPolicy"} == {"stigmer-server", "stigmer-runner"}


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


def _pod(objs: dict[tuple[str, str], dict[str, Any]], component: str) -> dict[str, Any]:
    spec: dict[str, Any] = objs[("Deployment", f"stigmer-{component}")]["spec"]["template"]["spec"]
    return spec


def _env(pod: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in pod["containers"][0]["env"]}


def _mounted_file(pod: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The volume and the Secret entry a file path of the container comes from."""
    for mount in pod["containers"][0]["volumeMounts"]:
        directory = mount["mountPath"].rstrip("/") + "/"
        if path.startswith(directory):
            volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
            name = path[len(directory) :]
            items = volume["secret"].get("items")
            if items is None:
                return volume, name
            return volume, next(i["key"] for i in items if i["path"] == name)
    raise AssertionError(f"{path} is not mounted")


def _secret_data(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_default_values_render_an_authenticated_server(dp: Any) -> None:
    objs = _by_kind(_render(dp, None))
    server, runner = _pod(objs, "server"), _pod(objs, "runner")
    keys_path = _env(server)["STIGMER_API_KEYS_FILE"]["value"]
    volume, entry = _mounted_file(server, keys_path)
    assert volume["secret"]["secretName"] == KEYS_SECRET
    secret = objs[("Secret", KEYS_SECRET)]
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    data = _secret_data(secret)
    entries = [line for line in data[entry].splitlines() if not line.startswith("#")]
    scopes = dict(line.split(":", 1) for line in entries)
    assert set(scopes) == {"admin", "runner"}
    for key in scopes.values():
        assert len(key) >= 40 and key.isalnum(), "a generated key must be long and random"
    assert scopes["admin"] != scopes["runner"]
    assert data["admin-key"] == scopes["admin"], "NOTES.txt tells users to read admin-key"

    # The runner sends the runner-scoped key, taken from the Secret (never a plain value).
    ref = _env(runner)["STIGMER_API_KEY"]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == KEYS_SECRET and data[ref["key"]] == scopes["runner"]
    assert not any(v["name"] == "api-keys" for v in runner["volumes"]), "runner: not the keys file"

    # No key in any ConfigMap or plain env value.
    texts = [str(objs[("ConfigMap", "stigmer")]["data"])]
    for pod in (server, runner):
        texts.extend(str(e.get("value", "")) for e in pod["containers"][0]["env"])
    for key in scopes.values():
        assert not [t for t in texts if key in t]


def test_generated_keys_differ_per_install(dp: Any) -> None:
    def admin_key() -> str:
        objs = _by_kind(_render(dp, None))
        return _secret_data(objs[("Secret", KEYS_SECRET)])["admin-key"]

    assert admin_key() != admin_key()


def test_upgrade_reuses_the_generated_keys(dp: Any, tmp_path: Path) -> None:
    """What ``lookup`` returns on an upgrade (stubbed: no cluster here) is written back as is."""
    chart = tmp_path / "stigmer"
    shutil.copytree(dp.CHART, chart)
    template = chart / "templates" / "api-keys-secret.yaml"
    call = '(lookup "v1" "Secret" .Release.Namespace $name)'
    text = template.read_text()
    assert text.count(call) == 1
    found = {"keys": "a2V5cw==", "runner-key": "cnVubmVy", "admin-key": "YWRtaW4="}
    stub = '(dict "data" (dict "keys" "a2V5cw==" "runner-key" "cnVubmVy" "admin-key" "YWRtaW4="))'
    template.write_text(text.replace(call, stub))
    objs = _by_kind(_render(dp, None, chart_dir=chart))
    assert objs[("Secret", KEYS_SECRET)]["data"] == found


def test_existing_keys_secret_is_referenced_not_created(dp: Any) -> None:
    values = {"apiKeys": {"existingSecret": "mine", "keysKey": "file", "runnerKeyKey": "rk"}}
    objs = _by_kind(_render(dp, values))
    assert not [k for k in objs if k[0] == "Secret"]
    server, runner = _pod(objs, "server"), _pod(objs, "runner")
    volume, entry = _mounted_file(server, _env(server)["STIGMER_API_KEYS_FILE"]["value"])
    assert (volume["secret"]["secretName"], entry) == ("mine", "file")
    assert _env(runner)["STIGMER_API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "mine",
        "key": "rk",
    }


def test_default_values_are_plaintext_with_native_grpc_probes(dp: Any) -> None:
    objs = _by_kind(_render(dp, None))
    server, runner = _pod(objs, "server"), _pod(objs, "runner")
    assert not {"GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE"} & set(_env(server))
    assert "STIGMER_SERVICE_CA_FILE" not in _env(runner)
    assert server["containers"][0]["readinessProbe"]["grpc"]["port"] == 7234
    assert not [k for k in objs if k[0] == "Certificate"]


def _tls_env_files(pod: dict[str, Any], names: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """For each variable: the Secret and entry the file it names is mounted from."""
    env = _env(pod)
    result = {}
    for name in names:
        volume, entry = _mounted_file(pod, env[name]["value"])
        result[name] = (volume["secret"]["secretName"], entry)
    return result


def test_tls_from_an_existing_secret(dp: Any) -> None:
    objs = _by_kind(_render(dp, {"grpcTls": {"existingSecret": "api-tls"}}))
    server, runner = _pod(objs, "server"), _pod(objs, "runner")
    assert _tls_env_files(server, ("GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE")) == {
        "GRPC_TLS_CERT_FILE": ("api-tls", "tls.crt"),
        "GRPC_TLS_KEY_FILE": ("api-tls", "tls.key"),
    }
    assert "GRPC_TLS_CLIENT_CA_FILE" not in _env(server)
    # The runner verifies the server with the CA, and never mounts the server's key.
    assert _tls_env_files(runner, ("STIGMER_SERVICE_CA_FILE",)) == {
        "STIGMER_SERVICE_CA_FILE": ("api-tls", "ca.crt")
    }
    runner_tls = next(v for v in runner["volumes"] if v["name"] == "grpc-tls")
    assert [i["key"] for i in runner_tls["secret"]["items"]] == ["ca.crt"]
    assert "STIGMER_SERVICE_CLIENT_CERT_FILE" not in _env(runner)
    # The kubelet's gRPC probe cannot speak TLS: the image's check runs with the CA and name.
    container = server["containers"][0]
    for probe in ("startupProbe", "readinessProbe"):
        command = container[probe]["exec"]["command"]
        assert command[1].endswith("grpc_health_check.py")
        assert command[command.index("--ca") + 1] == f"{TLS_DIR}/ca.crt"
        assert command[command.index("--server-name") + 1] == "stigmer-server"
        assert "--cert" not in command
    assert not [k for k in objs if k[0] == "Certificate"]


def test_mtls_with_cert_manager(dp: Any) -> None:
    values = {
        "grpcTls": {
            "certManager": {"enabled": True, "issuerRef": {"name": "ca-issuer", "kind": "Issuer"}},
            "mtls": {"enabled": True},
        }
    }
    objs = _by_kind(_render(dp, values))
    server_cert = objs[("Certificate", "stigmer-server-tls")]["spec"]
    assert server_cert["issuerRef"] == {
        "name": "ca-issuer",
        "kind": "Issuer",
        "group": "cert-manager.io",
    }
    assert "stigmer-server" in server_cert["dnsNames"]
    assert "stigmer-server.stigmer.svc" in server_cert["dnsNames"]
    assert {"server auth", "client auth"} <= set(server_cert["usages"])
    runner_cert = objs[("Certificate", "stigmer-runner-tls")]["spec"]
    assert "client auth" in runner_cert["usages"] and "server auth" not in runner_cert["usages"]

    server, runner = _pod(objs, "server"), _pod(objs, "runner")
    assert _tls_env_files(
        server, ("GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE", "GRPC_TLS_CLIENT_CA_FILE")
    ) == {
        "GRPC_TLS_CERT_FILE": (server_cert["secretName"], "tls.crt"),
        "GRPC_TLS_KEY_FILE": (server_cert["secretName"], "tls.key"),
        "GRPC_TLS_CLIENT_CA_FILE": (server_cert["secretName"], "ca.crt"),
    }
    names = (
        "STIGMER_SERVICE_CA_FILE",
        "STIGMER_SERVICE_CLIENT_CERT_FILE",
        "STIGMER_SERVICE_CLIENT_KEY_FILE",
    )
    assert _tls_env_files(runner, names) == {
        "STIGMER_SERVICE_CA_FILE": (runner_cert["secretName"], "ca.crt"),
        "STIGMER_SERVICE_CLIENT_CERT_FILE": (runner_cert["secretName"], "tls.crt"),
        "STIGMER_SERVICE_CLIENT_KEY_FILE": (runner_cert["secretName"], "tls.key"),
    }
    command = server["containers"][0]["readinessProbe"]["exec"]["command"]
    assert command[command.index("--cert") + 1] == f"{TLS_DIR}/tls.crt"
    assert command[command.index("--key") + 1] == f"{TLS_DIR}/tls.key"


def test_cert_manager_needs_an_issuer(dp: Any) -> None:
    helm = dp.import_tool("helm_python")
    with pytest.raises(helm.HelmError, match=r"issuerRef\.name"):
        _render(dp, {"grpcTls": {"certManager": {"enabled": True}}})


def _selects(policy: dict[str, Any], pod_labels: dict[str, str]) -> bool:
    wanted = policy["spec"]["podSelector"]["matchLabels"]
    return all(pod_labels.get(k) == v for k, v in wanted.items())


def test_network_policies_isolate_both_services(dp: Any) -> None:
    objs = _by_kind(_render(dp, None))
    labels = {
        c: objs[("Deployment", f"stigmer-{c}")]["spec"]["template"]["metadata"]["labels"]
        for c in ("server", "runner")
    }
    server_np = objs[("NetworkPolicy", "stigmer-server")]
    runner_np = objs[("NetworkPolicy", "stigmer-runner")]
    assert _selects(server_np, labels["server"]) and not _selects(server_np, labels["runner"])
    assert _selects(runner_np, labels["runner"]) and not _selects(runner_np, labels["server"])
    for policy in (server_np, runner_np):
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}

    # Ingress: the runner accepts nothing; the server only its gRPC port, from the runner and
    # the labelled API clients.
    assert not runner_np["spec"].get("ingress")
    (rule,) = server_np["spec"]["ingress"]
    assert rule["ports"] == [{"port": 7234, "protocol": "TCP"}]
    peers = [p["podSelector"]["matchLabels"] for p in rule["from"]]
    assert all(
        set(p) <= {"stigmer.io/client"} or p.items() <= labels["runner"].items() for p in peers
    )
    assert any(p.items() <= labels["runner"].items() for p in peers)

    def egress_ports(policy: dict[str, Any]) -> set[int]:
        return {p["port"] for r in policy["spec"]["egress"] for p in r.get("ports", [])}

    # Egress: DNS, Temporal; Redis for the server only; the server for the runner.
    assert egress_ports(server_np) == {53, 7233, 6379, 26379}
    runner_rules = runner_np["spec"]["egress"]
    to_server = [
        r
        for r in runner_rules
        if any(
            "podSelector" in p
            and p["podSelector"]["matchLabels"].items() <= labels["server"].items()
            for p in r["to"]
        )
    ]
    assert to_server and to_server[0]["ports"] == [{"port": 7234, "protocol": "TCP"}]
    assert 6379 not in egress_ports(runner_np), "the runner never talks to Redis"
    # The workflows' own traffic: outside the private, loopback and link-local ranges only.
    (open_rule,) = [r for r in runner_rules if "ports" not in r]
    blocks = {p["ipBlock"]["cidr"]: set(p["ipBlock"].get("except", [])) for p in open_rule["to"]}
    assert {
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
    } <= blocks["0.0.0.0/0"]
    assert {"fc00::/7", "::1/128", "fe80::/10"} <= blocks["::/0"]


def test_network_policies_follow_the_egress_settings(dp: Any) -> None:
    values = {
        "runner": {"egress": {"denyCidrs": ["10.0.0.0/8"], "allowCidrs": ["10.96.12.0/24"]}},
        "otel": {"endpoint": "http://collector:4317"},
    }
    objs = _by_kind(_render(dp, values))
    rules = objs[("NetworkPolicy", "stigmer-runner")]["spec"]["egress"]
    (open_rule,) = [r for r in rules if "ports" not in r]
    blocks = {p["ipBlock"]["cidr"]: set(p["ipBlock"].get("except", [])) for p in open_rule["to"]}
    assert blocks["0.0.0.0/0"] == {"10.0.0.0/8", "169.254.0.0/16"}
    assert blocks["10.96.12.0/24"] == set()
    ports = {p["port"] for r in rules for p in r.get("ports", [])}
    assert 4317 in ports, "an OTLP endpoint opens the collector's port"


def test_network_policies_can_be_turned_off(dp: Any) -> None:
    objs = _by_kind(_render(dp, {"networkPolicy": {"enabled": False}}))
    assert not [k for k in objs if k[0] == "NetworkPolicy"]


def test_an_allow_list_only_egress_opens_nothing_else(dp: Any) -> None:
    """``deny 0.0.0.0/0,::/0`` + allows (ADR 0019): only the allowed ranges, never "any"."""
    values = {"runner": {"egress": {"denyCidrs": ["0.0.0.0/0", "::/0"], "allowCidrs": []}}}
    objs = _by_kind(_render(dp, values))
    rules = objs[("NetworkPolicy", "stigmer-runner")]["spec"]["egress"]
    assert all(r.get("to") for r in rules), "an egress rule without 'to' allows everything"
    assert not [r for r in rules if "ports" not in r]
    values["runner"]["egress"]["allowCidrs"] = ["203.0.113.0/24"]
    rules = _by_kind(_render(dp, values))[("NetworkPolicy", "stigmer-runner")]["spec"]["egress"]
    (open_rule,) = [r for r in rules if "ports" not in r]
    assert open_rule["to"] == [{"ipBlock": {"cidr": "203.0.113.0/24"}}]


def test_readme_shows_the_default_render(dp: Any) -> None:
    """deploy/README.md's rendered manifests are today's (generated keys elided)."""
    helm = dp.import_tool("helm_python")
    rendered = helm.Chart.load(str(dp.CHART)).render(
        None, name=RELEASE, namespace="stigmer", is_install=True
    )
    parts = []
    for path, text in sorted(rendered.items()):
        if path.endswith(".txt") or not text.strip():
            continue
        text = re.sub(
            r"^(  (keys|runner-key|admin-key): ).*$", r"\1<base64 of random keys>", text, flags=re.M
        )
        parts.append(f"---\n# Source: {path}\n{text.strip()}\n")
    readme = (dp.DEPLOY / "README.md").read_text()
    start = readme.index("```yaml\n", readme.index("<summary>rendered manifests")) + 8
    shown = readme[start : readme.index("```\n\n</details>", start)]
    assert shown == "".join(parts), "re-render the README's manifests (helm template, keys elided)"
