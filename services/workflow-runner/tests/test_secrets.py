"""The runner's SecretResolver: asks getSecrets as the execution's interpreter, parses, caches."""

from __future__ import annotations

from collections.abc import Mapping

from stigmer_protos.temporal_names import interpreter_workflow_id
from workflow_runner.secrets import ApiSecretResolver


class _SecretsOnly:
    """A StigmerApi whose only used call is get_secrets (pure logic under test)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[tuple[str, str]] = []

    async def get_secrets(self, execution_id: str, runner_workflow_id: str) -> Mapping[str, str]:
        self.calls.append((execution_id, runner_workflow_id))
        return self.values


async def test_asks_as_the_interpreter_and_parses_json_objects() -> None:
    api = _SecretsOnly({"TOKEN": "t", "CREDS": '{"username": "u", "password": "p"}', "ODD": "{x"})
    resolver = ApiSecretResolver(api)  # type: ignore[arg-type]
    secrets = await resolver.resolve("wex-1")
    assert api.calls == [("wex-1", interpreter_workflow_id("wex-1"))]
    assert secrets == {"TOKEN": "t", "CREDS": {"username": "u", "password": "p"}, "ODD": "{x"}


async def test_caches_per_execution() -> None:
    api = _SecretsOnly({"TOKEN": "t"})
    resolver = ApiSecretResolver(api, ttl_seconds=3600)  # type: ignore[arg-type]
    await resolver.resolve("wex-1")
    await resolver.resolve("wex-1")
    await resolver.resolve("wex-2")
    assert [c[0] for c in api.calls] == ["wex-1", "wex-2"]
