"""Which secret reference tokens a request carries beside its data (pure)."""

from __future__ import annotations

from workflow_runner.engine.activities.http_call import HttpRequest
from workflow_runner.engine.secret_references import SecretReferences
from workflow_runner.engine.secrets import SecretSite

MINTED = "~stigmer-secret." + "1" * 32 + "~"
OTHER = "~stigmer-secret." + "2" * 32 + "~"


def test_attach_lists_only_the_tokens_the_run_minted() -> None:
    refs = SecretReferences({MINTED: {"secret": ["api"]}})
    request = HttpRequest(
        method="get",
        uri="https://h/",
        headers={"A": f"Bearer {MINTED}", "B": OTHER},
        secret_sites=[SecretSite(path=["body"], expression="$secrets.x")],
    )
    attached = refs.attach(request)
    assert attached.secret_sites == [
        SecretSite(path=["body"], expression="$secrets.x"),
        SecretSite(path=[], references={MINTED: {"secret": ["api"]}}),
    ]


def test_attach_leaves_a_request_without_tokens_alone() -> None:
    refs = SecretReferences({MINTED: {"secret": ["api"]}})
    request = HttpRequest(method="get", uri="https://h/", headers={"B": OTHER})
    assert refs.attach(request) is request
    assert SecretReferences().attach(request) is request


def test_a_known_meaning_keeps_its_token() -> None:
    refs = SecretReferences({MINTED: {"secret": ["api"]}})
    assert refs.mint({"secret": ["api"]}) == MINTED
    assert refs.found_in({"x": [f"a{MINTED}b", OTHER]}) == {MINTED: {"secret": ["api"]}}
