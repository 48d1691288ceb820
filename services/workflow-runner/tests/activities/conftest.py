"""Fixtures of the activity tests: the key the runner's client sends, and the server's keys."""

from __future__ import annotations

import pytest
from stigmer_server.access.api_keys import ApiKey, ApiKeySettings, Scope


@pytest.fixture
def api_key() -> str | None:
    """The key the runner sends: none, unless a test parametrizes ``api_key`` (e.g.
    ``@pytest.mark.parametrize("api_key", [None, "runner-key-1"])``)."""
    return None


@pytest.fixture
def server_keys(api_key: str | None) -> ApiKeySettings:
    """No keys, or ``api_key`` as the server's only key, a ``runner`` key."""
    if api_key is None:
        return ApiKeySettings()
    return ApiKeySettings(inline=(ApiKey(Scope.RUNNER, api_key.encode()),))
