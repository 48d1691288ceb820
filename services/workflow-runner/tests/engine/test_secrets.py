"""Secret sites come from the document only; data that looks like a reference stays data."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from workflow_runner.engine import evaluation, secrets
from workflow_runner.engine.secrets import SecretSite

SECRETS = {"token": "tok-1234", "creds": {"username": "u", "password": "p"}}
FORGED = {"$secretExpression": "$secrets"}


def _evaluate(data: Any) -> Any:
    return lambda value: evaluation.evaluate_value(value, data, {}, 0.0)


async def test_a_secret_expression_becomes_a_site_and_the_rest_is_evaluated() -> None:
    template = {"X-Token": "${ $secrets.token }", "X-User": "${ .user }"}
    value, sites = await secrets.evaluated(_evaluate({"user": "ada"}), template, ["headers"])
    assert value == {"X-Token": None, "X-User": "ada"}
    assert sites == [SecretSite(path=["headers", "X-Token"], expression="$secrets.token")]
    filled = secrets.resolve(value, "headers", sites, {"data": {}}, SECRETS)
    assert filled == {"X-Token": "tok-1234", "X-User": "ada"}


async def test_data_shaped_like_a_marker_is_sent_as_the_literal_data() -> None:
    data = {"payload": FORGED}
    value, sites = await secrets.evaluated(_evaluate(data), "${ .payload }", ["body"])
    assert (value, sites) == (FORGED, [])
    assert secrets.resolve(value, "body", sites, {"data": data}, SECRETS) == FORGED


def test_sites_of_another_field_leave_a_field_alone() -> None:
    sites = [SecretSite(path=["headers", "X"], expression="$secrets.token")]
    assert secrets.resolve({"X": None}, "body", sites, None, SECRETS) == {"X": None}


async def test_a_sites_expression_reads_the_data_it_was_evaluated_with() -> None:
    template = ["--key", "${ $secrets[.name] }"]
    value, sites = await secrets.evaluated(_evaluate({}), template, ["arguments"])
    assert sites == [SecretSite(path=["arguments", 1], expression="$secrets[.name]")]
    scope = {"data": {"name": "token"}, "variables": {}}
    assert secrets.resolve(value, "arguments", sites, scope, SECRETS) == ["--key", "tok-1234"]


async def test_a_literal_use_reference_is_a_site_and_a_computed_one_is_not() -> None:
    policy = {"basic": {"use": "creds"}}
    value, sites = await secrets.evaluated(_evaluate({}), policy, ["auth"], authentication=True)
    assert value == {"basic": None}
    assert sites == [SecretSite(path=["auth", "basic"], secret="creds")]
    assert secrets.resolve(value, "auth", sites, None, SECRETS) == {"basic": SECRETS["creds"]}
    computed = {"bearer": {"use": "${ .which }"}}
    value, sites = await secrets.evaluated(
        _evaluate({"which": "token"}), computed, ["auth"], authentication=True
    )
    assert (value, sites) == ({"bearer": {"use": "token"}}, [])


def test_a_missing_named_secret_is_the_403_authorization_error() -> None:
    sites = [SecretSite(path=["auth", "bearer"], secret="absent")]
    with pytest.raises(ApplicationError) as caught:
        secrets.resolve({"bearer": None}, "auth", sites, None, SECRETS)
    assert caught.value.details[0]["status"] == 403


def test_a_site_the_request_does_not_have_is_an_error_not_a_guess() -> None:
    sites = [SecretSite(path=["body", "a", "b"], expression="$secrets.token")]
    with pytest.raises(ApplicationError, match="no value at a/b"):
        secrets.resolve("text", "body", sites, None, SECRETS)


def test_masked_shows_the_sites_without_their_values() -> None:
    sites = [SecretSite(path=["headers", "X-Token"], expression="$secrets.token")]
    assert secrets.masked({"X-Token": None, "A": "b"}, "headers", sites) == {
        "X-Token": "***",
        "A": "b",
    }
