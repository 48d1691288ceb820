from __future__ import annotations

from stigmer_protos.ai.stigmer.agentic.environment.v1 import EnvironmentSpec, EnvironmentValue
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf
from stigmer_server.secrets.redaction import REDACTED, redact_workflow
from stigmer_server.workflow import stored


def workflow(env: dict[str, EnvironmentValue] | None) -> bytes:
    spec = wf.WorkflowSpec(
        description="d" * 3000, env_spec=None if env is None else EnvironmentSpec(data=env)
    )
    return bytes(wf.Workflow(kind="Workflow", spec=spec))


def test_a_workflow_without_secrets_is_published_as_stored() -> None:
    for data in (
        workflow(None),
        workflow({"PLAIN": EnvironmentValue(value="v")}),
        bytes(wf.Workflow()),
    ):
        assert stored.published(data) is data


def test_a_workflow_with_a_secret_is_published_redacted() -> None:
    data = workflow(
        {"PLAIN": EnvironmentValue(value="v"), "KEY": EnvironmentValue(value="s3", is_secret=True)}
    )
    shown = stored.published(data)
    assert shown == bytes(redact_workflow(wf.Workflow.parse(data)))
    spec = wf.Workflow.parse(shown).spec
    assert spec is not None and spec.env_spec is not None
    assert spec.env_spec.data["KEY"].value == REDACTED
    assert b"s3" not in shown
