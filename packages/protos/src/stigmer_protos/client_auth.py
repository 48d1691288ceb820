"""How a client presents itself to stigmer-server: the bearer key and the TLS credentials.

The runner's client and the CLI both use these, so the two send the same header and build
their TLS channels the same way.
"""

from __future__ import annotations

from pathlib import Path

import grpc

AUTHORIZATION = "authorization"


def bearer_metadata(api_key: str | None) -> tuple[tuple[str, str], ...]:
    """The call metadata carrying ``api_key`` (``authorization: Bearer <key>``); empty without."""
    return ((AUTHORIZATION, f"Bearer {api_key}"),) if api_key else ()


def tls_credentials(
    ca_file: str | None, cert_file: str | None, key_file: str | None
) -> grpc.ChannelCredentials:
    """TLS credentials: ``ca_file`` roots (else the system's), the client pair for mTLS.

    Raises:
        OSError: A given file cannot be read.
    """
    return grpc.ssl_channel_credentials(
        root_certificates=Path(ca_file).read_bytes() if ca_file else None,
        private_key=Path(key_file).read_bytes() if key_file else None,
        certificate_chain=Path(cert_file).read_bytes() if cert_file else None,
    )


def tls_options(server_name: str | None) -> tuple[tuple[str, str], ...]:
    """Channel options checking the server certificate against ``server_name`` when given."""
    return (("grpc.ssl_target_name_override", server_name),) if server_name else ()
