"""Client request ids of ``create``: validation and the fingerprint a retry must match."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from stigmer_protos.ai.stigmer.agentic.workflowexecution import v1 as wex

from stigmer_server.errors import InvalidArgumentError
from stigmer_server.secrets.redaction import redact_execution

REQUEST_ID_METADATA = "x-request-id"
MAX_REQUEST_ID_CHARS = 128


@dataclass(frozen=True)
class CreateRequestId:
    """Who asked for a create, under which client-chosen id.

    Attributes:
        value: The client's request id (``x-request-id``); "" for none.
        caller: A digest of the caller's credential ("" when unauthenticated): the same id
            sent by two callers names two different requests.
    """

    value: str = ""
    caller: str = ""


def check_request_id(value: str) -> str:
    """Return ``value`` when it is a usable request id.

    Raises:
        InvalidArgumentError: Longer than 128 characters or not printable ASCII.
    """
    if len(value) > MAX_REQUEST_ID_CHARS or not all(" " < c <= "~" for c in value):
        raise InvalidArgumentError(
            REQUEST_ID_METADATA,
            f"must be 1 to {MAX_REQUEST_ID_CHARS} printable ASCII characters without spaces",
        )
    return value


def caller_digest(credential: bytes | None) -> str:
    """A digest naming the caller by its credential; "" for an unauthenticated call."""
    return "" if not credential else hashlib.sha256(credential).hexdigest()


def fingerprint(request: wex.WorkflowExecution) -> str:
    """A digest of the request as the client sent it, secret values left out.

    Canonical JSON (sorted keys), so a client that re-encodes the same request in another map
    order still matches; secret values are redacted so no digest of them reaches Redis.
    """
    canonical = json.dumps(redact_execution(request).to_dict(), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
