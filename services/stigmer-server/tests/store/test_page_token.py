from __future__ import annotations

import pytest
from stigmer_server.errors import InvalidArgumentError
from stigmer_server.store import page_token


def test_round_trip_and_empty() -> None:
    token = page_token.encode("wex-01abc", "q1")
    assert "wex" not in token  # opaque
    assert page_token.decode(token, "q1") == "wex-01abc"
    assert page_token.decode("", "q1") is None


@pytest.mark.parametrize("token", ["%%%", "bm90IGpzb24", page_token.encode("x", "other")])
def test_rejects_garbage_and_foreign_tokens(token: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        page_token.decode(token, "q1")
    assert err.value.field == "page_token"
