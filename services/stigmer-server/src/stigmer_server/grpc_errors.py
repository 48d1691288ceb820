"""The one mapping from domain errors (and store failures) to gRPC status codes."""

from __future__ import annotations

import grpc
import redis.exceptions

from stigmer_server.errors import (
    AlreadyExistsError,
    ConflictError,
    DataLossError,
    DomainError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnavailableError,
)

_CODES: tuple[tuple[type[DomainError], grpc.StatusCode], ...] = (
    (NotFoundError, grpc.StatusCode.NOT_FOUND),
    (AlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    (InvalidArgumentError, grpc.StatusCode.INVALID_ARGUMENT),
    (FailedPreconditionError, grpc.StatusCode.FAILED_PRECONDITION),
    (PermissionDeniedError, grpc.StatusCode.PERMISSION_DENIED),
    (UnavailableError, grpc.StatusCode.UNAVAILABLE),
    (ConflictError, grpc.StatusCode.ABORTED),
    (ResourceExhaustedError, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (DataLossError, grpc.StatusCode.DATA_LOSS),
    (InternalError, grpc.StatusCode.INTERNAL),
)


def to_status(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """Map an exception raised by a handler to the gRPC status the client receives.

    Args:
        exc: The exception.

    Returns:
        ``(code, details)``. Unknown exceptions become INTERNAL (never UNKNOWN) with their text.
    """
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code, exc.message
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return grpc.StatusCode.UNAVAILABLE, f"store unavailable: {exc}"
    if isinstance(exc, redis.exceptions.ResponseError) and str(exc).startswith("LOADING"):
        return grpc.StatusCode.UNAVAILABLE, f"store unavailable: {exc}"
    return grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}"
