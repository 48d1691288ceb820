"""The scrubber replaces secrets in every encoding a library may print them in."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import h11
import pytest
from temporalio.exceptions import ApplicationError
from workflow_runner.engine.scrub import MASK, Scrubber, ScrubFilter

SECRET = "s3cr\u00e9t \"quoted\" 'single'\n"
"""A trailing newline, both quote kinds, a space and a non-ASCII letter."""


def _forms(value: str) -> dict[str, str]:
    raw = value.encode()
    return {
        "plain": value,
        "stripped": value.strip(),
        "repr str": repr(value),
        "repr bytes": repr(raw),
        "json": json.dumps(value),
        "json unicode": json.dumps(value, ensure_ascii=False),
        "quote": quote(value),
        "quote safe none": quote(value, safe=""),
        "quote_plus": quote_plus(value),
        "base64": base64.b64encode(raw).decode(),
        "urlsafe base64": base64.urlsafe_b64encode(raw).decode(),
    }


@pytest.mark.parametrize("name", list(_forms(SECRET)))
def test_every_encoding_of_a_secret_is_replaced_in_text(name: str) -> None:
    encoded = _forms(SECRET)[name]
    scrubbed = Scrubber({"token": SECRET}).text(f"before {encoded} after")
    assert scrubbed == f"before {MASK} after" or (
        # repr and JSON quote the value themselves; the quotes stay around the mask
        scrubbed.startswith("before ") and MASK in scrubbed and encoded not in scrubbed
    )
    for form in _forms(SECRET).values():
        assert form not in scrubbed


def test_a_basic_credential_is_replaced_base64_encoded_as_in_the_header() -> None:
    creds = {"username": "svc-user", "password": "pa:ss\u00fcword"}
    header = "Basic " + base64.b64encode(b"svc-user:pa:ss\xc3\xbcword").decode()
    scrubbed = Scrubber({"creds": creds}).text(f"sent Authorization: {header}")
    assert scrubbed == f"sent Authorization: Basic {MASK}"


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b"xyz"])
def test_a_secret_inside_a_longer_base64_text_is_replaced_at_every_alignment(
    prefix: bytes,
) -> None:
    body = base64.b64encode(prefix + b'{"echo": "' + SECRET.encode() + b'"}').decode()
    scrubbed = Scrubber({"token": SECRET}).data(body)
    assert MASK in scrubbed
    assert base64.b64encode(SECRET.strip().encode()).decode()[4:-4] not in scrubbed


def test_the_header_error_of_h11_loses_the_secret() -> None:
    with pytest.raises(h11.LocalProtocolError) as caught:
        h11.Request(method="GET", target="/", headers=[("Host", "a"), ("X-Token", SECRET.encode())])
    message = str(caught.value)
    assert "Illegal header value" in message and "s3cr" in message
    scrubbed = Scrubber({"token": SECRET}).text(message)
    assert "s3cr" not in scrubbed and "quoted" not in scrubbed
    assert scrubbed.startswith("Illegal header value")


def test_a_short_secret_is_replaced_in_text_but_not_in_results() -> None:
    scrubber = Scrubber({"pin": "42x"})
    assert scrubber.text("pin 42x rejected") == f"pin {MASK} rejected"
    assert scrubber.data({"pin": "42x"}) == {"pin": "42x"}


@dataclass(frozen=True)
class _Inner:
    body: Any


@dataclass(frozen=True)
class _Outer:
    status: int
    headers: dict[str, str]
    inner: _Inner


def test_results_are_scrubbed_in_strings_keys_lists_and_nested_dataclasses() -> None:
    result = _Outer(
        200,
        {"X-Echo": "Bearer tok-1234", "tok-1234": "k"},
        _Inner(["tok-1234", {"n": 1, "t": "tok-1234 "}]),
    )
    scrubbed = Scrubber({"t": "tok-1234"}).data(result)
    assert scrubbed == _Outer(
        200,
        {"X-Echo": f"Bearer {MASK}", MASK: "k"},
        _Inner([MASK, {"n": 1, "t": f"{MASK} "}]),
    )


def test_errors_are_scrubbed_and_keep_their_type_and_retryability() -> None:
    scrubber = Scrubber({"t": "tok-1234"})
    failure = ApplicationError(
        "call failed: tok-1234",
        {"title": "HTTP", "detail": "header tok-1234", "status": 400},
        type="communication",
        non_retryable=True,
    )
    scrubbed = scrubber.error(failure)
    assert scrubbed.message == f"call failed: {MASK}"
    assert scrubbed.details == ({"title": "HTTP", "detail": f"header {MASK}", "status": 400},)
    assert (scrubbed.type, scrubbed.non_retryable) == ("communication", True)
    plain = scrubber.error(KeyError("tok-1234"))
    assert (plain.type, plain.non_retryable, plain.message) == ("KeyError", False, f"'{MASK}'")


def test_no_secrets_means_nothing_to_scrub() -> None:
    scrubber = Scrubber({})
    assert not scrubber
    assert scrubber.text("tok-1234") == "tok-1234"


def _record(message: str, *args: Any, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("httpx", logging.WARNING, __file__, 1, message, args, exc_info)


def test_the_log_filter_scrubs_records_emitted_inside_an_activity_only() -> None:
    formatter = logging.Formatter("%(message)s")
    scrubber = Scrubber({"t": "tok-1234"})
    outside = _record("header %s", "tok-1234")
    ScrubFilter().filter(outside)
    assert formatter.format(outside) == "header tok-1234"
    try:
        raise ValueError("bad tok-1234")
    except ValueError as exc:
        inside = _record("header %s", "tok-1234", exc=exc)
    with scrubber.active():
        assert ScrubFilter().filter(inside)
    text = formatter.format(inside)
    assert text.startswith(f"header {MASK}") and f"ValueError: bad {MASK}" in text
    assert "tok-1234" not in text
