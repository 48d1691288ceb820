"""``emit`` (CloudEvents to a sink) and ``listen`` (events as Temporal signals)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from stigmer_dsl import DefinitionError, load_workflow
from stigmer_protos.temporal import sandbox_runner
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker
from workflow_runner.conformance.stub import StubServer
from workflow_runner.engine import (
    ENGINE_WORKFLOW_NAME,
    EVENT_SIGNAL,
    PENDING_LISTENS_QUERY,
    SANDBOX_PASSTHROUGH,
    EngineConfig,
    EngineInput,
    EngineResult,
    ExecuteServerlessWorkflow,
    engine_activities,
)


def _doc(body: str) -> str:
    return "document: {dsl: '1.0.3', namespace: test, name: ev, version: '1.0.0'}\ndo:\n" + body


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    server = StubServer().start()
    yield server
    server.stop()


EMIT = _doc("""
  - greet:
      emit:
        event:
          with:
            source: https://fake-source.com
            type: com.example.greeted.v1
            data:
              greeting: ${ "Hello \\(.name)" }
""")


async def test_emit_posts_structured_cloudevent_to_sink(engine: Any, stub: StubServer) -> None:
    run = await engine(
        EMIT, {"name": "Ada"}, config=EngineConfig(event_sink_url=f"{stub.url}/events")
    )
    assert run.error is None, run.error
    event = run.output
    assert event["specversion"] == "1.0" and event["type"] == "com.example.greeted.v1"
    assert event["data"] == {"greeting": "Hello Ada"}
    assert event["id"] and event["time"].endswith("Z")
    assert event in stub.state.events


async def test_emit_without_sink_returns_event(engine: Any) -> None:
    run = await engine(EMIT, {"name": "Bob"})
    assert run.error is None, run.error
    assert run.output["data"] == {"greeting": "Hello Bob"}


async def test_emit_sink_failure_is_communication_error(engine: Any, stub: StubServer) -> None:
    run = await engine(
        EMIT, {"name": "x"}, config=EngineConfig(event_sink_url="http://127.0.0.1:1/events")
    )
    assert run.error_dict["type"].endswith("/communication")


def test_emit_secrets_rejected_at_load() -> None:
    with pytest.raises(DefinitionError, match=r"/do/0/e/emit/event/with: \$secrets"):
        load_workflow(
            _doc("""
  - e:
      emit:
        event:
          with: {source: 'https://x.io', type: t, data: '${ $secrets.x }'}
""")
        )


def test_listen_correlate_without_from_rejected_at_load() -> None:
    with pytest.raises(DefinitionError):
        load_workflow(
            _doc("""
  - l:
      listen:
        to:
          one:
            with: {type: t}
            correlate: {id: {expect: 1}}
""")
        )


async def _start(
    client: Client, queue: str, text: str, data: Any = None
) -> WorkflowHandle[Any, Any]:
    return await client.start_workflow(
        ENGINE_WORKFLOW_NAME,
        EngineInput(
            execution_id="exec-listen", workflow_yaml=text, input=data, report_progress=False
        ),
        id=f"listen-{uuid.uuid4()}",
        task_queue=queue,
        result_type=EngineResult,
    )


def _worker(client: Client, queue: str) -> Worker:
    return Worker(
        client,
        task_queue=queue,
        workflows=[ExecuteServerlessWorkflow],
        activities=engine_activities(EngineConfig()),
        workflow_runner=sandbox_runner(*SANDBOX_PASSTHROUGH),
    )


async def _wait_pending(handle: WorkflowHandle[Any, Any]) -> list[dict[str, Any]]:
    for _ in range(100):
        pending: list[dict[str, Any]] = await handle.query(PENDING_LISTENS_QUERY)
        if pending:
            return pending
        await asyncio.sleep(0.05)
    raise AssertionError("listen never became pending")


async def test_listen_any_until_with_filters_and_query(
    temporal_client: Client, task_queue: str
) -> None:
    text = _doc("""
  - vitals:
      listen:
        to:
          any:
            - with:
                type: com.hospital.temperature
                data: ${ .temperature > 38 }
          until:
            one:
              with: {type: com.hospital.checked-out}
""")
    async with _worker(temporal_client, task_queue):
        handle = await _start(temporal_client, task_queue, text)
        pending = await _wait_pending(handle)
        assert pending[0]["taskId"] == "/do/0/vitals"
        for event in (
            {"type": "com.hospital.temperature", "data": {"temperature": 37}},
            {"type": "com.hospital.temperature", "data": {"temperature": 39}},
            {"type": "com.hospital.other", "data": {}},
            {"type": "com.hospital.temperature", "data": {"temperature": 40}},
            {"type": "com.hospital.checked-out", "data": {"bye": True}},
        ):
            await handle.signal(EVENT_SIGNAL, event)
        result = await handle.result()
    assert result.output == [{"temperature": 39}, {"temperature": 40}]


async def test_listen_all_envelope_and_buffered_events(
    temporal_client: Client, task_queue: str
) -> None:
    text = _doc("""
  - both:
      listen:
        to:
          all:
            - with: {type: a}
            - with: {type: '/b\\..*/'}
        read: envelope
""")
    async with _worker(temporal_client, task_queue):
        handle = await _start(temporal_client, task_queue, text)
        await handle.signal(EVENT_SIGNAL, {"type": "b.x", "id": "2", "data": 2})
        await handle.signal(EVENT_SIGNAL, {"type": "a", "id": "1", "data": 1})
        result = await handle.result()
    assert [e["id"] for e in result.output] == ["2", "1"]


async def test_listen_until_expression_foreach_and_timeout(
    temporal_client: Client, task_queue: str
) -> None:
    text = _doc("""
  - collect:
      listen:
        to:
          any: []
          until: ( . | length ) >= 2
      foreach:
        item: event
        at: i
        do:
          - double:
              set:
                value: ${ $event.n * 2 }
                at: ${ $i }
  - wait:
      listen:
        to:
          one:
            with: {type: never}
      timeout:
        after: PT0.5S
""")
    async with _worker(temporal_client, task_queue):
        handle = await _start(temporal_client, task_queue, text)
        await handle.signal(EVENT_SIGNAL, {"type": "x", "data": {"n": 1}})
        await handle.signal(EVENT_SIGNAL, {"type": "y", "data": {"n": 5}})
        from temporalio.client import WorkflowFailureError

        with pytest.raises(WorkflowFailureError) as failure:
            await handle.result()
    details = failure.value.cause.details  # type: ignore[attr-defined]
    assert details[0]["type"].endswith("/timeout")
    assert details[0]["instance"] == "/do/1/wait"


async def test_listen_foreach_output(temporal_client: Client, task_queue: str) -> None:
    text = _doc("""
  - collect:
      listen:
        to:
          any: []
          until: ( . | length ) >= 2
      foreach:
        item: event
        at: i
        do:
          - double:
              set:
                value: ${ $event.n * 2 }
                at: ${ $i }
""")
    async with _worker(temporal_client, task_queue):
        handle = await _start(temporal_client, task_queue, text)
        await handle.signal(EVENT_SIGNAL, {"type": "x", "data": {"n": 1}})
        await handle.signal(EVENT_SIGNAL, {"type": "y", "data": {"n": 5}})
        result = await handle.result()
    assert result.output == [{"value": 2, "at": 0}, {"value": 10, "at": 1}]


CORRELATED = _doc("""
  - approval:
      listen:
        to:
          one:
            with: {type: com.example.approved}
            correlate:
              order: {from: .data.order, expect: '${ .order }'}
""")


async def test_listen_correlate_takes_only_its_own_event(
    temporal_client: Client, task_queue: str
) -> None:
    async with _worker(temporal_client, task_queue):
        handle = await _start(temporal_client, task_queue, CORRELATED, {"order": "B"})
        await _wait_pending(handle)
        for order in ("A", "B"):
            event = {"type": "com.example.approved", "source": "s", "id": order}
            await handle.signal(EVENT_SIGNAL, {**event, "data": {"order": order}})
        result = await handle.result()
    assert result.output == [{"order": "B"}]


async def test_listen_correlate_without_expect_keeps_the_first_value(
    temporal_client: Client, task_queue: str
) -> None:
    text = _doc("""
  - pair:
      listen:
        to:
          all:
            - with: {type: opened}
              correlate: {ticket: {from: .data.ticket}}
            - with: {type: closed}
""")
    async with _worker(temporal_client, task_queue):
        handle = await _start(temporal_client, task_queue, text)
        await handle.signal(EVENT_SIGNAL, {"type": "opened", "data": {"ticket": 7}})
        await handle.signal(EVENT_SIGNAL, {"type": "closed", "data": {"ticket": 7}})
        result = await handle.result()
    assert result.output == [{"ticket": 7}, {"ticket": 7}]


async def test_listen_drops_a_repeated_source_and_id(
    temporal_client: Client, task_queue: str
) -> None:
    text = _doc("""
  - two:
      listen:
        to:
          any: []
          until: ( . | length ) >= 2
""")
    async with _worker(temporal_client, task_queue):
        handle = await _start(temporal_client, task_queue, text)
        for id_ in ("1", "1", "2"):
            await handle.signal(EVENT_SIGNAL, {"type": "t", "source": "s", "id": id_, "data": id_})
        result = await handle.result()
    assert result.output == ["1", "2"]
