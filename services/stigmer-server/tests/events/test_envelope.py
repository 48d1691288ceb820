"""CloudEvents over HTTP to JSON envelopes: the three content modes and what is refused."""

from __future__ import annotations

import json

import pytest
from stigmer_protos.limits import MAX_EVENTS_PER_BATCH
from stigmer_server.events.envelope import EventFormatError, parse_request

STRUCTURED = {"content-type": "application/cloudevents+json"}
BATCH = {"content-type": "application/cloudevents-batch+json"}


def _event(id_: str = "1", **extra: object) -> dict[str, object]:
    return {"specversion": "1.0", "type": "t", "source": "s", "id": id_, **extra}


def test_structured_mode_keeps_attributes_and_json_data() -> None:
    [event] = parse_request(STRUCTURED, json.dumps(_event(data={"a": 1}, subject="x")).encode())
    assert (event["type"], event["source"], event["id"]) == ("t", "s", "1")
    assert event["data"] == {"a": 1} and event["subject"] == "x"


def test_binary_mode_reads_ce_headers_and_the_body_as_data() -> None:
    headers = {
        "Content-Type": "application/json",
        "ce-specversion": "1.0",
        "ce-type": "t",
        "ce-source": "s",
        "ce-id": "7",
        "ce-orderid": "o-1",
    }
    [event] = parse_request(headers, b'{"approved": true}')
    assert event["id"] == "7" and event["orderid"] == "o-1"
    assert event["data"] == {"approved": True}


def test_batch_mode_gives_each_event() -> None:
    body = json.dumps([_event("1"), _event("2")]).encode()
    assert [e["id"] for e in parse_request(BATCH, body)] == ["1", "2"]


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        (STRUCTURED, json.dumps({"specversion": "1.0", "type": "t", "source": "s"}), "'id'"),
        (STRUCTURED, json.dumps(_event(type="")), "'type'"),
        (STRUCTURED, "[1]", "JSON object"),
        (STRUCTURED, "{not json", "not JSON"),
        (BATCH, json.dumps(_event()), "JSON array"),
        (BATCH, json.dumps([_event()] * (MAX_EVENTS_PER_BATCH + 1)), "at most"),
        (BATCH, json.dumps([_event(), 3]), r"batch\[1\]: expected a JSON object"),
        ({"ce-type": "t", "ce-source": "s", "ce-specversion": "1.0"}, "{}", "ce-id"),
    ],
)
def test_what_is_not_a_cloudevent_is_refused_with_the_reason(
    headers: dict[str, str], body: str, message: str
) -> None:
    with pytest.raises(EventFormatError, match=message):
        parse_request(headers, body.encode())
