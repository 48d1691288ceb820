from __future__ import annotations

import pytest
from stigmer_server.domain.slug import is_valid_org, is_valid_slug, slugify


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


@pytest.mark.parametrize("org", ["local", "acme", "e2e", "my.org_1-x", "a" * 63])
def test_valid_org(org: str) -> None:
    assert is_valid_org(org)


@pytest.mark.parametrize(
    "org", ["", "acme:internal", "{acme}", "Acme", "-acme", ".x", "a" * 64, "a b", "a\n"]
)
def test_invalid_org(org: str) -> None:
    assert not is_valid_org(org)


def test_slugs_never_hold_key_separators() -> None:
    assert not is_valid_slug("internal:payroll")
    assert not is_valid_slug("{x}")
    assert not is_valid_slug("a\n")
