"""URI template expansion and the JSON spelling of query/header values (pure)."""

from __future__ import annotations

from typing import Any

import pytest
from stigmer_dsl.errors import WorkflowError
from workflow_runner.engine.http_values import expand_uri_template, json_text, text_values


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("a b", "a b"),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (1.5, "1.5"),
        (None, None),
        ({"a": [1, None]}, '{"a":[1,null]}'),
        (["x", 2], '["x",2]'),
        ("é", "é"),
    ],
)
def test_json_text(value: Any, text: str | None) -> None:
    assert json_text(value) == text


def test_text_values_leave_out_null() -> None:
    assert text_values({"a": None, "b": True, "c": 0}) == {"b": "true", "c": "0"}
    assert text_values(None) == {}


@pytest.mark.parametrize(
    ("data", "uri"),
    [
        ({"id": 1}, "https://h/pets/1?x=1"),
        ({"id": "../admin?role=root#x"}, "https://h/pets/..%2Fadmin%3Frole%3Droot%23x?x=1"),
        ({"id": "a b/c"}, "https://h/pets/a%20b%2Fc?x=1"),
        ({"id": True}, "https://h/pets/true?x=1"),
        ({"id": None}, "https://h/pets/?x=1"),
        ({}, "https://h/pets/?x=1"),
        ("not an object", "https://h/pets/?x=1"),
    ],
)
def test_expand_uri_template_percent_encodes(data: Any, uri: str) -> None:
    assert expand_uri_template("https://h/pets/{id}?x=1", data) == uri


def test_expand_uri_template_names_are_verbatim() -> None:
    assert expand_uri_template("https://h/{pet.id}", {"pet.id": 7, "pet": {"id": 8}}) == (
        "https://h/7"
    )


@pytest.mark.parametrize("value", [{"a": 1}, [1, 2]])
def test_expand_uri_template_refuses_objects_and_arrays(value: Any) -> None:
    with pytest.raises(WorkflowError) as info:
        expand_uri_template("https://h/{id}", {"id": value})
    assert info.value.error["status"] == 400
    assert info.value.error["type"].endswith("/expression")
