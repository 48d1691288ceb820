"""The one rule for which ``document.dsl`` versions are DSL 1.0 documents.

Every 1.0.x version is accepted, with SemVer pre-release and build parts: ``1.0.0``, ``1.0.3``,
``1.0.0-alpha5`` (what most published sample documents still say), ``1.0.1-rc.1+build.7``.
The 1.0.x schema only requires SemVer and the 1.0 patch releases did not change the language, so
all of them run as DSL 1.0; another major or minor version (``0.8``, ``1.1.0``) is a different
language and is refused. stigmer-server's validation, the CLI's ``validate``, the converter and
the engine's loader all ask :func:`dsl_version_problem`.
"""

from __future__ import annotations

import re

# SemVer 2.0.0 (semver.org's regular expression) with the major and minor fixed at 1.0.
_DSL_1_0 = re.compile(
    r"1\.0\.(?:0|[1-9][0-9]*)"
    r"(?:-(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?"
)

REQUIREMENT = "must be a 1.0.x DSL version (e.g. 1.0.0, 1.0.3 or 1.0.0-alpha5)"
"""What :func:`dsl_version_problem` reports for a version it refuses."""


def is_supported_dsl_version(version: str) -> bool:
    """Whether ``version`` (a ``document.dsl`` value) is a DSL 1.0.x version."""
    return _DSL_1_0.fullmatch(version) is not None


def dsl_version_problem(version: object) -> str | None:
    """Why ``version`` is not an accepted ``document.dsl`` value, or ``None`` when it is."""
    if not isinstance(version, str) or not is_supported_dsl_version(version):
        return f"{REQUIREMENT}, got {version!r}"
    return None
