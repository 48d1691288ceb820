"""Building the next hop of a redirect: method rewriting and credential dropping."""

from __future__ import annotations

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from workflow_runner.engine.activities.http_call import HttpRequest, secret_headers
from workflow_runner.engine.activities.redirects import next_request
from workflow_runner.engine.secrets import SecretSite


def _hop(
    status: int, location: str, method: str = "POST", url: str = "http://a.test/x"
) -> httpx.Request:
    request = httpx.Request(
        method,
        url,
        headers={
            "Authorization": "Bearer t",
            "Cookie": "s=1",
            "X-Api-Key": "k",
            "X-Plain": "p",
            "Content-Type": "application/json",
        },
        content=b'{"a": 1}',
    )
    response = httpx.Response(status, headers={"Location": location}, request=request)
    return next_request(request, response, ["X-Api-Key"])


def test_same_origin_keeps_credentials_and_307_keeps_the_body() -> None:
    hop = _hop(307, "/y")
    assert (hop.method, str(hop.url), hop.content) == ("POST", "http://a.test/y", b'{"a": 1}')
    assert hop.headers["authorization"] == "Bearer t" and hop.headers["x-api-key"] == "k"
    assert hop.headers["host"] == "a.test"


@pytest.mark.parametrize(
    "location", ["http://b.test/y", "https://a.test/y", "http://a.test:8080/y"]
)
def test_other_origin_drops_credentials_and_secret_headers(location: str) -> None:
    hop = _hop(307, location)
    for name in ("authorization", "cookie", "x-api-key"):
        assert name not in hop.headers
    assert hop.headers["x-plain"] == "p"
    assert hop.headers["host"] == httpx.URL(location).netloc.decode()


@pytest.mark.parametrize(("status", "method"), [(303, "GET"), (302, "GET"), (308, "POST")])
def test_method_rewriting(status: int, method: str) -> None:
    hop = _hop(status, "/y")
    assert hop.method == method
    assert ("content-type" in hop.headers) == (method == "POST")


def test_non_http_location_is_refused() -> None:
    with pytest.raises(ApplicationError, match="redirected to a 'file' URL"):
        _hop(302, "file:///etc/passwd")


def test_secret_headers_come_from_the_header_sites() -> None:
    headers = {"X-Api-Key": "k", "X-Plain": "p"}
    one = HttpRequest(
        method="get",
        uri="http://a.test",
        headers={"X-Api-Key": None, "X-Plain": "p"},
        secret_sites=[SecretSite(path=["headers", "X-Api-Key"], expression="$secrets.k")],
    )
    assert secret_headers(one, headers) == ["X-Api-Key"]
    whole = HttpRequest(
        method="get",
        uri="http://a.test",
        headers={},
        secret_sites=[SecretSite(path=["headers"], expression="$secrets.h")],
    )
    assert secret_headers(whole, headers) == ["X-Api-Key", "X-Plain"]
