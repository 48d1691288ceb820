"""The pure parts of secret references: reading paths, substituting tokens, missing secrets."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from workflow_runner.engine import secrets
from workflow_runner.engine.secrets import SecretReads, SecretSite

TOKEN_A = "~stigmer-secret." + "a" * 32 + "~"
TOKEN_B = "~stigmer-secret." + "b" * 32 + "~"
SECRETS = {
    "api": "k3y",
    "db": {"user": "u", "port": 5432},
    "creds": {"username": "u", "password": "p"},
}


@pytest.mark.parametrize(
    ("expr", "reads"),
    [
        ("$secrets.a", SecretReads((("a",),), False)),
        ('$secrets.a.b + $secrets["c d"]', SecretReads((("a", "b"), ("c d",)), False)),
        ('"$secrets.x" + $secrets . y', SecretReads((("y",),), False)),
        ("'$secrets.no' + $secrets.yes", SecretReads((("yes",),), False)),
        ("$secrets[.k]", SecretReads((), True)),
        ("$secrets | keys", SecretReads((), True)),
        ("$secretsX", SecretReads((), False)),
    ],
)
def test_secret_reads(expr: str, reads: SecretReads) -> None:
    assert secrets.secret_reads(expr) == reads


def test_an_expression_reading_a_missing_secret_is_the_authorization_error() -> None:
    site = SecretSite(path=["headers", "X"], expression='$secrets.nope // "default"')
    with pytest.raises(ApplicationError) as info:
        secrets.resolve({"X": None}, "headers", [site], None, SECRETS)
    assert info.value.details[0]["status"] == 403
    assert info.value.details[0]["type"].endswith("/authorization")


def _site(**references: Any) -> SecretSite:
    return SecretSite(path=[], references=references)


def test_tokens_are_replaced_whole_or_inside_strings() -> None:
    site = SecretSite(
        path=[], references={TOKEN_A: {"secret": ["api"]}, TOKEN_B: {"secret": ["db"]}}
    )
    value = {"h": TOKEN_A, "auth": f"Bearer {TOKEN_A}", "db": TOKEN_B, "in": f"db={TOKEN_B}"}
    assert secrets.resolve(value, "headers", [site], None, SECRETS) == {
        "h": "k3y",
        "auth": "Bearer k3y",
        "db": {"user": "u", "port": 5432},
        "in": 'db={"user":"u","port":5432}',
    }


def test_a_token_not_listed_stays_literal_and_a_missing_secret_is_403() -> None:
    site = SecretSite(path=[], references={TOKEN_A: {"secret": ["nope"]}})
    assert secrets.resolve([TOKEN_B], "body", [site], None, SECRETS) == [TOKEN_B]
    with pytest.raises(ApplicationError) as info:
        secrets.resolve(TOKEN_A, "body", [site], None, SECRETS)
    assert info.value.details[0]["status"] == 403


def test_a_deeper_path_missing_is_null() -> None:
    site = SecretSite(path=[], references={TOKEN_A: {"secret": ["db", "password"]}})
    assert secrets.resolve(TOKEN_A, "body", [site], None, SECRETS) is None


def test_an_authorization_reference_is_the_parameter_sent() -> None:
    meaning = {
        "authorization": {
            "policy": {"basic": None},
            "sites": [{"path": ["authentication", "basic"], "secret": "creds"}],
            "scope": None,
            "references": {},
        }
    }
    site = SecretSite(path=[], references={TOKEN_A: meaning})
    assert secrets.resolve(f"Basic {TOKEN_A}", "headers", [site], None, SECRETS) == (
        "Basic " + base64.b64encode(b"u:p").decode()
    )


@pytest.mark.parametrize(
    ("policy", "parts"),
    [
        ({"bearer": "t"}, ("Bearer", "t")),
        ({"bearer": {"token": "t"}}, ("Bearer", "t")),
        ({"basic": {"username": "a", "password": "b"}}, ("Basic", "YTpi")),
        ({"digest": {}}, None),
        (None, None),
    ],
)
def test_authorization_parts(policy: Any, parts: tuple[str, str] | None) -> None:
    assert secrets.authorization_parts(policy) == parts


def test_tokens_in_finds_tokens_in_nested_strings() -> None:
    assert list(secrets.tokens_in({"a": [f"x{TOKEN_A}y", 1], "b": TOKEN_B})) == [TOKEN_A, TOKEN_B]
