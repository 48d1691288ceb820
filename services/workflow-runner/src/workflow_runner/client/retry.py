"""Bounded retries with exponential backoff and full jitter for gRPC calls."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc

T = TypeVar("T")


class StigmerRpcError(Exception):
    """A call to stigmer-server failed (for good, or after the allowed retries).

    Attributes:
        method: The RPC, e.g. ``WorkflowQueryController/get``.
        code: The final gRPC status code.
        details: The server's (or the transport's) message.
        attempts: How many attempts were made.
    """

    def __init__(self, method: str, code: Any, details: str, attempts: int) -> None:
        self.method = method
        self.code = code
        self.details = details
        self.attempts = attempts
        name = getattr(code, "name", str(code))
        plural = "attempt" if attempts == 1 else "attempts"
        super().__init__(f"{method} failed with {name} after {attempts} {plural}: {details}")


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before retrying a failed call.

    Attributes:
        max_attempts: Attempts in total, counting the first.
        initial_backoff_seconds: Upper bound of the first delay.
        max_backoff_seconds: Cap of any delay.
        multiplier: Growth of the upper bound per attempt.
        retryable_codes: Status codes worth retrying. Only UNAVAILABLE by default: it means
            the request was not processed, so even ``updateStatus`` is safe to repeat.
    """

    max_attempts: int = 5
    initial_backoff_seconds: float = 0.2
    max_backoff_seconds: float = 5.0
    multiplier: float = 2.0
    retryable_codes: frozenset[Any] = field(
        default_factory=lambda: frozenset({grpc.StatusCode.UNAVAILABLE})
    )

    def delay(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """The delay before retry number ``retry`` (1-based), with full jitter."""
        ceiling = min(
            self.max_backoff_seconds, self.initial_backoff_seconds * self.multiplier ** (retry - 1)
        )
        return ceiling * rand()


async def call_with_retry(
    method: str,
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``call`` until it succeeds, fails with a non-retryable code, or attempts run out.

    Args:
        method: The RPC name, for the error message.
        call: Makes one attempt (a new RPC each time).
        policy: The retry policy.
        sleep: Waits between attempts (replaceable in tests).

    Raises:
        StigmerRpcError: The call failed; ``code`` is the last status code.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
            if code not in policy.retryable_codes or attempt >= policy.max_attempts:
                raise StigmerRpcError(method, code, exc.details() or "", attempt) from exc
            await sleep(policy.delay(attempt))
