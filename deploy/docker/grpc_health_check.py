"""Health check of stigmer-server over the standard gRPC health service.

The image's HEALTHCHECK runs ``python /opt/stigmer/libexec/grpc_health_check.py``; Kubernetes
uses its native ``grpc`` probe on the same service instead. Exit status 0 when the server
answers SERVING, 1 otherwise (unreachable, NOT_SERVING during a graceful stop or while Redis
is down), with the reason on stderr.

Usage: ``grpc_health_check.py [HOST:PORT] [--ca FILE [--server-name NAME]
[--cert FILE --key FILE]]``; the default target is ``localhost:$GRPC_PORT`` (``GRPC_PORT``
defaults to 7234, like the server). ``--ca`` turns TLS on: the server is verified with that CA
under ``--server-name`` (a name of its certificate; the target is ``localhost``), and with mTLS
``--cert``/``--key`` are presented (the chart passes the server's own pair, issued for client
auth too). The kubelet's native gRPC probe cannot speak TLS, so the chart uses this over TLS.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Tls:
    """How to reach a TLS port: the CA to verify it, its name, the client pair for mTLS."""

    ca_file: str
    server_name: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    def channel(self, target: str) -> grpc.Channel:
        """A secure channel to ``target``."""
        credentials = grpc.ssl_channel_credentials(
            root_certificates=Path(self.ca_file).read_bytes(),
            private_key=Path(self.key_file).read_bytes() if self.key_file else None,
            certificate_chain=Path(self.cert_file).read_bytes() if self.cert_file else None,
        )
        options = [("grpc.ssl_target_name_override", self.server_name)] if self.server_name else []
        return grpc.secure_channel(target, credentials, options=options)


def check(
    target: str, service: str = "", timeout: float = TIMEOUT_SECONDS, tls: Tls | None = None
) -> str | None:
    """Ask ``target`` for the health of ``service`` (over TLS when ``tls`` is given).

    Returns:
        None when SERVING, else a one-line reason.
    """
    try:
        channel = grpc.insecure_channel(target) if tls is None else tls.channel(target)
    except OSError as err:
        return f"{target}: {err}"
    try:
        with channel:
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
    parser = argparse.ArgumentParser(description="stigmer-server gRPC health check")
    parser.add_argument("target", nargs="?", default=None)
    parser.add_argument("--ca", help="CA bundle verifying the server (turns TLS on)")
    parser.add_argument("--server-name", help="name checked against the server certificate")
    parser.add_argument("--cert", help="client certificate chain (mTLS)")
    parser.add_argument("--key", help="its private key")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if (args.cert is None) != (args.key is None) or (args.cert and not args.ca):
        parser.error("--cert and --key go together, and with --ca")
    target = args.target or f"localhost:{os.environ.get('GRPC_PORT') or '7234'}"
    tls = Tls(args.ca, args.server_name, args.cert, args.key) if args.ca else None
    reason = check(target, tls=tls)
    if reason is not None:
        print(f"stigmer-server unhealthy: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
