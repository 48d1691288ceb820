"""What reading a stored workflow needs of its bytes without decoding it whole."""

from __future__ import annotations

from stigmer_protos import wire
from stigmer_protos.ai.stigmer.agentic.environment.v1 import EnvironmentSpec
from stigmer_protos.ai.stigmer.agentic.workflow import v1 as wf

from stigmer_server.secrets.redaction import env_has_secrets, redact_workflow

_SPEC = wire.field_number(wf.Workflow, "spec")
_ENV = wire.field_number(wf.WorkflowSpec, "env_spec")


def published(data: bytes) -> bytes:
    """The form of the encoded workflow ``data`` its readers are shown: ``data`` itself unless
    its environment holds a secret, which is then redacted (see :func:`redact_workflow`).

    Only the environment is decoded to tell: a workflow's document (its tasks) can be large.

    Raises:
        wire.MalformedError: ``data`` is not an encoded message.
    """
    spec = wire.message(data, _SPEC)
    env = None if spec is None else wire.message(spec, _ENV)
    if env is None or not env_has_secrets(EnvironmentSpec.parse(env)):
        return data
    return bytes(redact_workflow(wf.Workflow.parse(data)))
