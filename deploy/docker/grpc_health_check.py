"""Health check of stigmer-server over the standard gRPC health service.

The image's HEALTHCHECK runs ``python /opt/stigmer/libexec/grpc_health_check.py``; Kubernetes
uses its native ``grpc`` probe on the same service instead. Exit status 0 when the server
answers SERVING, 1 otherwise (unreachable, NOT_SERVING during a graceful stop or while Redis
is down), with the reason on stderr.

Usage: ``grpc_health_check.py [HOST:PORT]``; the default target is ``localhost:$GRPC_PORT``
(``GRPC_PORT`` defaults to 7234, like the server).
"""

from __future__ import annotations

import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

TIMEOUT_SECONDS = 3.0


def check(target: str, service: str = "", timeout: float = TIMEOUT_SECONDS) -> str | None:
    """Ask ``target`` for the health of ``service``.

    Returns:
        None when SERVING, else a one-line reason.
    """
    try:
        with grpc.insecure_channel(target) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
    except grpc.RpcError as err:
        return f"{target}: {err.code().name}: {err.details()}"
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        return f"{target}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the check; return the process exit status."""
    args = sys.argv[1:] if argv is None else argv
    target = args[0] if args else f"localhost:{os.environ.get('GRPC_PORT') or '7234'}"
    reason = check(target)
    if reason is not None:
        print(f"stigmer-server unhealthy: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
