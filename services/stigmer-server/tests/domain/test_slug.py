from __future__ import annotations

import pytest
from stigmer_server.domain.slug import is_valid_slug, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Agent@123!", "agent123"),
        ("Agent_Test", "agenttest"),
        ("---hyphens---", "hyphens"),
        ("Hello  World", "hello-world"),
        ("My Workflow v1.2", "my-workflow-v12"),
        ("héllo wörld", "hllo-wrld"),
        ("!!!", ""),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_valid_slug() -> None:
    assert is_valid_slug("a-b-1")
    assert not is_valid_slug("a--b")
    assert not is_valid_slug("-a")
    assert not is_valid_slug("A")
