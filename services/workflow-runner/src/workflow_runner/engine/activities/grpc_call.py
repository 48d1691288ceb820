"""The ``call: grpc`` activity: compile the ``.proto`` at run time, call one unary method.

The proto resource (``file://`` or ``http(s)://``) is fetched here and compiled with
``grpc_tools.protoc`` (run as ``python -m grpc_tools.protoc --descriptor_set_out``, so compiler
errors are captured) into a private :class:`~google.protobuf.descriptor_pool.DescriptorPool`.
Pools are cached per worker process by the proto's content hash (plus, for a local file, its
directory, which is on the import path so sibling ``import``s resolve).

The request message is built from ``arguments`` with the proto3 JSON mapping
(``json_format.ParseDict``: proto field names and lowerCamelCase JSON names are both accepted);
the response is returned with ``MessageToDict`` keeping the proto field names and printing fields
that hold their default value (so ``count: 0`` is not dropped). 64-bit integers are JSON strings
as the proto3 JSON mapping requires; enums are their names.

A non-OK status is a DSL error: ``communication`` with the HTTP status gRPC maps the code to
(``NOT_FOUND`` -> 404, ``UNAUTHENTICATED`` -> 401 ...), ``timeout`` (408) for
``DEADLINE_EXCEEDED``; the gRPC code is kept as ``grpcStatus`` (name) and ``grpcCode``.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import sys
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stigmer_dsl.errors import error_type
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflow_runner.engine import secrets as secret_values
from workflow_runner.engine.activities.egress import allowed_addresses
from workflow_runner.engine.activities.http_call import authorization_header
from workflow_runner.engine.activities.resources import checked_path, fetch_text
from workflow_runner.engine.config import EngineConfig
from workflow_runner.engine.secrets import SecretSite

with workflow.unsafe.imports_passed_through():
    import grpc
    from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
    from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

COMPILER_MODULE = "grpc_tools"
"""The module that compiles ``.proto`` files at run time (package ``grpcio-tools``)."""

CACHE_SIZE = 64
"""Compiled protos kept per worker process (least recently used are dropped)."""

# google/rpc/code.proto's HTTP mapping of the canonical gRPC codes.
HTTP_STATUS: dict[str, int] = {
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}


@dataclass(frozen=True)
class GrpcRequest:
    """An evaluated ``call: grpc``.

    Attributes:
        proto: URI of the ``.proto`` file (``file://``, bare path, ``http(s)://``).
        service: The service name, fully qualified (``package.Service``) or short.
        host: Server host.
        port: Server port; None means 443 (gRPC's default). Port 443 uses TLS with the system
            roots, any other port plaintext.
        method: The unary method to call.
        arguments: The request message as JSON (None at its secret sites).
        authentication: The evaluated ``basic``/``bearer`` policy, sent as ``authorization``
            metadata (None at its secret sites).
        timeout_seconds: Deadline of the call.
        secret_scope: Scope of the ``$secrets`` expressions.
        execution_id: Informational only (kept for compatibility): secrets are those of the
            execution whose interpreter workflow scheduled the activity.
        secret_names: ``use.secrets``.
        secret_sites: Where the activity puts secrets (from the document, never data).
    """

    proto: str
    service: str
    host: str
    method: str
    port: int | None = None
    arguments: Any = field(default_factory=dict)
    authentication: dict[str, Any] | None = None
    timeout_seconds: float = 60.0
    secret_scope: dict[str, Any] | None = None
    execution_id: str = ""
    secret_names: list[str] | None = None
    secret_sites: list[SecretSite] = field(default_factory=list)


@dataclass(frozen=True)
class GrpcResponse:
    """The called method's full name (``/package.Service/Method``) and the response as JSON."""

    method: str
    response: Any


def _error(kind: str, status: int, title: str, detail: str, **extra: Any) -> ApplicationError:
    return secret_values.to_application_error(
        {"type": error_type(kind), "status": status, "title": title, "detail": detail, **extra}
    )


def _configuration(detail: str) -> ApplicationError:
    return _error("configuration", 400, "Invalid gRPC call", detail)


_cache: OrderedDict[str, descriptor_pool.DescriptorPool] = OrderedDict()


def cache_key(text: str, include: Path | None) -> str:
    """The cache key of a proto: its content hash and the directory its imports resolve in."""
    digest = hashlib.sha256(text.encode())
    if include is not None:
        digest.update(b"\0" + str(include.resolve()).encode())
    return digest.hexdigest()


async def compile_proto(
    text: str, name: str, include: Path | None
) -> descriptor_pool.DescriptorPool:
    """Compile ``text`` (as file ``name``) into a private descriptor pool, cached by content.

    Raises:
        ApplicationError: ``configuration`` error when ``grpcio-tools`` is missing or the proto
            does not compile (the message carries protoc's diagnostics).
    """
    key = cache_key(text, include)
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    spec = importlib.util.find_spec(COMPILER_MODULE)
    if spec is None or spec.origin is None:
        raise _configuration(
            "call: grpc needs the grpcio-tools package on the worker to compile .proto files"
        )
    well_known = Path(spec.origin).parent / "_proto"
    with tempfile.TemporaryDirectory(prefix="stigmer-proto-") as tmp:
        source = Path(tmp) / name
        source.write_text(text)
        out = Path(tmp) / "descriptors.pb"
        args = [f"-I{tmp}"]
        if include is not None:
            args.append(f"-I{include}")
        args += [
            f"-I{well_known}",
            f"--descriptor_set_out={out}",
            "--include_imports",
            name,
        ]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            *args,
            cwd=tmp,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()
        if process.returncode != 0:
            diagnostics = (stderr or stdout).decode(errors="replace").strip()
            raise _configuration(f"the proto file does not compile: {diagnostics}")
        descriptors = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in descriptors.file:  # dependencies come first with --include_imports
        pool.Add(file)
    _cache[key] = pool
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return pool


def find_method(
    pool: descriptor_pool.DescriptorPool, proto_name: str, service: str, method: str
) -> MethodDescriptor:
    """Resolve ``service`` (full name, or short name in the proto's package) and ``method``."""
    file = pool.FindFileByName(proto_name)
    candidates: list[ServiceDescriptor] = []
    try:
        candidates.append(pool.FindServiceByName(service))
    except KeyError:
        candidates = [s for s in file.services_by_name.values() if s.name == service]
    if len(candidates) != 1:
        known = ", ".join(s.full_name for s in file.services_by_name.values()) or "none"
        raise _configuration(f"service {service!r} not found in the proto (services: {known})")
    found = candidates[0].methods_by_name.get(method)
    if found is None:
        known = ", ".join(candidates[0].methods_by_name) or "none"
        raise _configuration(
            f"method {method!r} not found in service {candidates[0].full_name} (methods: {known})"
        )
    if found.client_streaming or found.server_streaming:
        raise _configuration(
            f"method {candidates[0].full_name}.{method} is streaming; only unary methods are "
            "supported"
        )
    return found


def status_error(path: str, exc: grpc.aio.AioRpcError) -> ApplicationError:
    """Map a failed call's status to a DSL error (see the module docstring)."""
    code = exc.code()
    name = str(code.name)
    detail = f"{path} returned {name}"
    if exc.details():
        detail += f": {exc.details()}"
    extra = {"grpcStatus": name, "grpcCode": int(code.value[0])}
    if name == "DEADLINE_EXCEEDED":
        return _error("timeout", 408, "gRPC call timed out", detail, **extra)
    return _error("communication", HTTP_STATUS.get(name, 500), "gRPC call failed", detail, **extra)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def open_channel(request: GrpcRequest, config: EngineConfig) -> grpc.aio.Channel:
    """A channel to an address of ``request.host`` the network policy allows.

    The name is resolved and checked here and the channel dials the checked address, while the
    authority (and the TLS target name on port 443) stays ``request.host``.

    Raises:
        ApplicationError: ``authorization`` when every address is denied, ``communication``
            (503) when the name does not resolve.
    """
    port = 443 if request.port is None else request.port
    try:
        addresses = await allowed_addresses(config.network_policy, request.host, port)
    except OSError as exc:
        addresses, reason = [], f"cannot resolve {request.host}: {exc}"
    else:
        reason = f"{request.host} has no address"
    if not addresses:  # as the channel would fail: UNAVAILABLE
        raise _error(
            "communication", 503, "gRPC call failed", reason, grpcStatus="UNAVAILABLE", grpcCode=14
        )
    target = f"{_bracketed(addresses[0])}:{port}"
    authority = f"{_bracketed(request.host)}:{port}"
    if port == 443:
        return grpc.aio.secure_channel(
            target,
            grpc.ssl_channel_credentials(),
            options=[
                ("grpc.default_authority", request.host),
                ("grpc.ssl_target_name_override", request.host),
            ],
        )
    return grpc.aio.insecure_channel(target, options=[("grpc.default_authority", authority)])


async def call(request: GrpcRequest, secrets: dict[str, Any], config: EngineConfig) -> GrpcResponse:
    """Compile the proto, build the request from ``arguments`` and call the unary method.

    Raises:
        ApplicationError: Non-retryable DSL errors: ``configuration`` (proto, service, method,
            arguments), ``communication`` / ``timeout`` (status of the call).
    """
    text = await fetch_text(request.proto, config)
    path = checked_path(request.proto, config.file_resources_root)
    name = path.name if path is not None and path.name.endswith(".proto") else "service.proto"
    pool = await compile_proto(text, name, path.parent if path is not None else None)
    method = find_method(pool, name, request.service, request.method)
    full_path = f"/{method.containing_service.full_name}/{method.name}"
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    sites, scope = request.secret_sites, request.secret_scope
    arguments = secret_values.resolve(request.arguments, "arguments", sites, scope, secrets)
    try:
        message = json_format.ParseDict(arguments or {}, request_class())
    except (json_format.ParseError, TypeError, ValueError) as exc:
        raise _configuration(
            f"arguments do not match {method.input_type.full_name}: {exc}"
        ) from None
    metadata: list[tuple[str, str]] = []
    authorization = authorization_header(
        secret_values.resolve(request.authentication, "authentication", sites, scope, secrets)
    )
    if authorization:
        metadata.append(("authorization", authorization))
    async with await open_channel(request, config) as channel:
        stub = channel.unary_unary(
            full_path,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class.FromString,
        )
        try:
            reply = await stub(message, metadata=metadata, timeout=request.timeout_seconds)
        except grpc.aio.AioRpcError as exc:
            raise status_error(full_path, exc) from None
    output = json_format.MessageToDict(
        reply,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )
    return GrpcResponse(method=full_path, response=output)
