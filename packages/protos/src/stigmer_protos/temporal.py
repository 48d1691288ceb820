"""Temporal payload converter for betterproto2 messages, writing standard ``json/protobuf``.

Payloads carry ``encoding=json/protobuf`` and ``messageType=<full proto name>`` with proto3 JSON
data, exactly what temporalio's and the Go SDK's stock protobuf converters write, so a worker in
another language that uses the official generated types reads them unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import Any

import betterproto2
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    ExternalStorage,
    JSONProtoPayloadConverter,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from stigmer_protos.message_pool import default_message_pool

# betterproto2's Message.to_dict() reaches pydantic.dataclasses, a lazy submodule. Imported the
# first time inside a workflow (passed through the sandbox), it took longer than the sandbox's
# 2 s deadlock bound on a loaded machine: TMPRL1101 after each service restart in the chaos
# soak (docs/adr/0034-chaos-soak.md). Imported here, outside any workflow, it costs nothing there.
with contextlib.suppress(ImportError):
    import pydantic.dataclasses  # noqa: F401

_URL_PREFIX = "type.googleapis.com/"


def proto_name(message_type: type[betterproto2.Message]) -> str:
    """Return the full proto name of a generated message class, e.g. ``ai.stigmer...WorkflowExecution``.

    Raises:
        KeyError: The class is not a registered generated message.
    """
    return default_message_pool.type_to_url[message_type].removeprefix(_URL_PREFIX)


def json_message_payload(
    message_type: type[betterproto2.Message], fields: dict[str, Any]
) -> Payload:
    """A ``json/protobuf`` payload of ``message_type`` from its proto3 JSON ``fields``.

    The same payload :class:`BetterprotoJSONPayloadConverter` writes for the message, built
    without the message object: for a value of megabytes (a workflow output in a ``Struct``),
    building the pure-Python message would cost seconds (ADR 0033).
    """
    data = json.dumps(fields, separators=(",", ":"), sort_keys=False)
    return Payload(
        metadata={
            "encoding": JSONProtoPayloadConverter().encoding.encode(),
            "messageType": proto_name(message_type).encode(),
        },
        data=data.encode(),
    )


class BetterprotoJSONPayloadConverter(JSONProtoPayloadConverter):
    """``json/protobuf`` converter for betterproto2 messages, falling back to google.protobuf.

    It takes the slot of the stock ``JSONProtoPayloadConverter`` because composite converters
    are keyed by encoding: a second ``json/protobuf`` converter would replace the first.
    """

    def to_payload(self, value: Any) -> Payload | None:
        """Encode a betterproto2 message as proto3 JSON; defer other values to the stock converter."""
        if isinstance(value, betterproto2.Message):
            data = json.dumps(value.to_dict(), separators=(",", ":"), sort_keys=False)
            return Payload(
                metadata={
                    "encoding": self.encoding.encode(),
                    "messageType": proto_name(type(value)).encode(),
                },
                data=data.encode(),
            )
        return super().to_payload(value)

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        """Decode into the hinted betterproto2 class, else the class named by ``messageType``."""
        message_type: type[betterproto2.Message] | None = None
        if isinstance(type_hint, type) and issubclass(type_hint, betterproto2.Message):
            message_type = type_hint
        else:
            name = payload.metadata.get("messageType", b"").decode()
            message_type = default_message_pool.url_to_type.get(_URL_PREFIX + name)
        if message_type is not None:
            return message_type.from_dict(json.loads(payload.data or b"{}"))
        return super().from_payload(payload, type_hint)


class StigmerPayloadConverter(CompositePayloadConverter):
    """Temporal's default payload converters with the betterproto2-aware ``json/protobuf`` one."""

    def __init__(self) -> None:
        """Build the composite from the SDK defaults, swapping the JSON proto converter."""
        converters = [
            BetterprotoJSONPayloadConverter() if isinstance(c, JSONProtoPayloadConverter) else c
            for c in DefaultPayloadConverter.default_encoding_payload_converters
        ]
        super().__init__(*converters)


def data_converter(external_storage: ExternalStorage | None = None) -> DataConverter:
    """Return the data converter every Stigmer Temporal client and worker uses.

    Args:
        external_storage: Where payloads above its threshold go instead of history
            (``stigmer_protos.payload_storage``); ``None`` keeps every payload inline.
    """
    return dataclasses.replace(
        DataConverter.default,
        payload_converter_class=StigmerPayloadConverter,
        external_storage=external_storage,
    )


PASSTHROUGH_MODULES = ("stigmer_protos", "betterproto2", "dateutil")


def sandbox_runner(*extra_passthrough: str) -> SandboxedWorkflowRunner:
    """Return a workflow sandbox runner that passes the generated messages through.

    betterproto2 looks classes up in ``sys.modules`` by module name, which fails for modules
    re-imported inside the sandbox; passing them through keeps one copy.
    """
    restrictions = SandboxRestrictions.default.with_passthrough_modules(
        *PASSTHROUGH_MODULES, *extra_passthrough
    )
    return SandboxedWorkflowRunner(restrictions=restrictions)
