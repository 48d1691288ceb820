"""Validation of ``ApiResourceReference`` lookups."""

from __future__ import annotations

from stigmer_protos.ai.stigmer.commons import apiresource as ar

from stigmer_server.domain.kinds import Kind
from stigmer_server.domain.validation import require
from stigmer_server.errors import InvalidArgumentError


def check_reference(ref: ar.ApiResourceReference, kind: Kind) -> tuple[str, str]:
    """Return ``(org, slug)`` of a reference to a resource of ``kind``.

    Raises:
        InvalidArgumentError: Missing slug or a reference to another kind.
    """
    slug = require(ref.slug, "slug")
    if int(ref.kind) not in (0, kind.api_resource_kind):
        raise InvalidArgumentError("kind", f"must be {kind.name} ({kind.api_resource_kind})")
    return ref.org, slug
