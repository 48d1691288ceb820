"""Validation of ``ApiResourceReference`` lookups."""

from __future__ import annotations

from stigmer_protos.ai.stigmer.commons import apiresource as ar

from stigmer_server.domain.kinds import Kind
from stigmer_server.domain.validation import check_org, check_slug, require
from stigmer_server.errors import InvalidArgumentError


def check_reference(ref: ar.ApiResourceReference, kind: Kind) -> tuple[str, str]:
    """Return ``(org, slug)`` of a reference to a resource of ``kind``.

    Raises:
        InvalidArgumentError: Missing or malformed slug, malformed org, or a reference to another
            kind.
    """
    slug = check_slug(require(ref.slug, "slug"), "slug")
    check_org(ref.org, "org")
    if int(ref.kind) not in (0, kind.api_resource_kind):
        raise InvalidArgumentError("kind", f"must be {kind.name} ({kind.api_resource_kind})")
    return ref.org, slug
