"""``call: grpc`` against a real grpc.aio server: output, status mapping, secrets in metadata."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_tools import protoc
from stigmer_dsl import load_workflow
from workflow_runner.engine import EngineConfig, StaticSecrets
from workflow_runner.engine.activities import grpc_call

PROTO = """
syntax = "proto3";
package greeter.v1;

import "google/protobuf/timestamp.proto";

message HelloRequest {
  string name = 1;
  int32 times = 2;
  google.protobuf.Timestamp at = 3;
}

message HelloReply {
  string message = 1;
  int32 count = 2;
  repeated string metadata_seen = 3;
}

service Greeter {
  rpc SayHello(HelloRequest) returns (HelloReply);
  rpc Chat(stream HelloRequest) returns (stream HelloReply);
}
"""


@pytest.fixture(scope="module")
def proto_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test's .proto file; its Python module is generated next to it for the server."""
    directory = tmp_path_factory.mktemp("grpc")
    path = directory / "greeter_test.proto"
    path.write_text(PROTO)
    well_known = Path(protoc.__file__).parent / "_proto"
    code = protoc.main(
        ["protoc", f"-I{directory}", f"-I{well_known}", f"--python_out={directory}", path.name]
    )
    assert code == 0
    return path


@pytest.fixture(scope="module")
def messages(proto_file: Path) -> Any:
    sys.path.insert(0, str(proto_file.parent))
    try:
        return importlib.import_module("greeter_test_pb2")
    finally:
        sys.path.remove(str(proto_file.parent))


@pytest.fixture
async def server(messages: Any) -> AsyncIterator[int]:
    """A grpc.aio server implementing ``greeter.v1.Greeter/SayHello``; yields its port."""

    async def say_hello(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if request.name == "missing":
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such person")
        seen = [f"{k}={v}" for k, v in context.invocation_metadata() if k == "authorization"]
        return messages.HelloReply(
            message=f"Hello {request.name}" + "!" * request.times,
            count=0,
            metadata_seen=seen,
        )

    handler = grpc.method_handlers_generic_handler(
        "greeter.v1.Greeter",
        {
            "SayHello": grpc.unary_unary_rpc_method_handler(
                say_hello,
                request_deserializer=messages.HelloRequest.FromString,
                response_serializer=messages.HelloReply.SerializeToString,
            )
        },
    )
    grpc_server = grpc.aio.server()
    grpc_server.add_generic_rpc_handlers((handler,))
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    await grpc_server.start()
    yield port
    await grpc_server.stop(None)


@pytest.fixture
def engine(engine: Any, proto_file: Path) -> Any:
    """The engine with local file resources allowed in the proto's directory."""

    async def runner(*args: Any, config: EngineConfig | None = None, **kwargs: Any) -> Any:
        config = dataclasses.replace(
            config or EngineConfig(), file_resources_root=proto_file.parent
        )
        return await engine(*args, config=config, **kwargs)

    return runner


def _doc(proto: Path, port: int, body: str, use: str = "") -> str:
    head = "document: {dsl: '1.0.3', namespace: test, name: grpc, version: '1.0.0'}\n"
    return (
        (head + use + "do:\n" + body).replace("PROTO", f"file://{proto}").replace("PORT", str(port))
    )


GREET = """
  - greet:
      call: grpc
      with:
        proto:
          endpoint: PROTO
        service:
          name: greeter.v1.Greeter
          host: 127.0.0.1
          port: PORT
        method: SayHello
        arguments:
          name: ${ .user }
          times: 2
          at: '2024-01-02T03:04:05Z'
"""


async def test_unary_call_returns_the_response_as_json(
    engine: Any, proto_file: Path, server: int
) -> None:
    run = await engine(_doc(proto_file, server, GREET), {"user": "Ada"})
    assert run.error is None, run.error
    assert run.output == {"message": "Hello Ada!!", "count": 0, "metadata_seen": []}
    row = run.sink.latest()["/do/0/greet"]
    assert row.task_kind == "call.grpc" and row.status == "COMPLETED"


async def test_not_found_status_is_a_communication_error_caught_by_try(
    engine: Any, proto_file: Path, server: int
) -> None:
    body = """
  - guarded:
      try:
        - greet:
            call: grpc
            with:
              proto:
                endpoint: PROTO
              service: {name: Greeter, host: 127.0.0.1, port: PORT}
              method: SayHello
              arguments: {name: missing}
      catch:
        errors:
          with:
            type: https://serverlessworkflow.io/spec/1.0.0/errors/communication
            status: 404
        as: err
        do:
          - report:
              set:
                status: ${ $err.status }
                grpc: ${ $err.grpcStatus }
                detail: ${ $err.detail }
"""
    run = await engine(_doc(proto_file, server, body))
    assert run.error is None, run.error
    assert run.output == {
        "status": 404,
        "grpc": "NOT_FOUND",
        "detail": "/greeter.v1.Greeter/SayHello returned NOT_FOUND: no such person",
    }


async def test_uncaught_status_and_configuration_errors(
    engine: Any, proto_file: Path, server: int
) -> None:
    missing = GREET.replace("${ .user }", "missing")
    run = await engine(_doc(proto_file, server, missing), {"user": "x"})
    assert run.error_dict["status"] == 404
    assert run.error_dict["instance"] == "/do/0/greet"
    streaming = GREET.replace("SayHello", "Chat")
    run = await engine(_doc(proto_file, server, streaming), {"user": "x"})
    assert run.error_dict["type"].endswith("/configuration")
    assert "only unary methods" in run.error_dict["detail"]
    bad_args = GREET.replace("times: 2", "nope: 2")
    run = await engine(_doc(proto_file, server, bad_args), {"user": "x"})
    assert "arguments do not match greeter.v1.HelloRequest" in run.error_dict["detail"]


async def test_unreachable_server_is_unavailable(engine: Any, proto_file: Path) -> None:
    run = await engine(_doc(proto_file, 1, GREET), {"user": "x"})
    assert run.error_dict["type"].endswith("/communication")
    assert run.error_dict["status"] == 503
    assert run.error_dict["grpcStatus"] == "UNAVAILABLE"


async def test_unresolvable_host_is_unavailable(engine: Any, proto_file: Path) -> None:
    doc = _doc(proto_file, 50051, GREET.replace("host: 127.0.0.1", "host: nowhere.invalid"))
    run = await engine(doc, {"user": "x"})
    assert run.error_dict["status"] == 503
    assert run.error_dict["grpcStatus"] == "UNAVAILABLE"
    assert "cannot resolve nowhere.invalid" in run.error_dict["detail"]


async def test_bearer_secret_goes_into_metadata_not_history(
    engine: Any, proto_file: Path, server: int
) -> None:
    body = GREET.replace(
        "          port: PORT\n",
        "          port: PORT\n          authentication:\n            bearer: {use: apiToken}\n",
    )
    use = "use:\n  secrets: [apiToken]\n"
    config = EngineConfig(secret_resolver=StaticSecrets({"apiToken": "s3cr3t-token"}))
    run = await engine(_doc(proto_file, server, body, use), {"user": "Ada"}, config=config)
    assert run.error is None, run.error
    # the server echoes the metadata it received; the activity scrubbed the token from the reply
    assert run.output["metadata_seen"] == ["authorization=Bearer ***"]
    for batch in run.sink.batches:
        for row in batch.tasks:
            assert "s3cr3t-token" not in str(row.input)


async def test_secret_expression_in_arguments_is_deferred(
    engine: Any, proto_file: Path, server: int
) -> None:
    body = GREET.replace("${ .user }", "${ $secrets.who }")
    config = EngineConfig(secret_resolver=StaticSecrets({"who": "Grace"}))
    run = await engine(_doc(proto_file, server, body), {"user": "x"}, config=config)
    assert run.error is None, run.error
    assert run.output["message"] == "Hello ***!!"  # the echoed secret is scrubbed


async def test_compiled_protos_are_cached_and_compile_errors_reported(tmp_path: Path) -> None:
    first = await grpc_call.compile_proto(PROTO, "a.proto", None)
    assert await grpc_call.compile_proto(PROTO, "a.proto", None) is first
    with pytest.raises(Exception, match="does not compile"):
        await grpc_call.compile_proto("syntax = 'proto3'; message {", "b.proto", None)


def test_loader_validates_the_with_shape() -> None:
    text = """
document: {dsl: '1.0.3', namespace: test, name: grpc, version: '1.0.0'}
do:
  - greet:
      call: grpc
      with:
        proto: {endpoint: file:///x.proto}
        service:
          name: ''
          host: h
          port: 0
          authentication: {digest: {username: u, password: p}}
        method: ${ $secrets.method }
        arguments: {x: '${ $secrets.args }'}
"""
    with pytest.raises(Exception) as info:
        load_workflow(text)
    message = str(info.value)
    assert "/do/0/greet/with/service/name" in message
    assert "/do/0/greet/with/service/port" in message
    assert "/do/0/greet/with/service/authentication: digest authentication" in message
    assert "/do/0/greet/with/method: $secrets can only be used" in message
    assert "/with/arguments" not in message
