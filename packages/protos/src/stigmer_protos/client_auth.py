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


class ApiKeyError(ValueError):
    """An API key setting cannot be used; the message names the setting, never the key."""


def read_api_key(
    inline_name: str, inline: str | None, file_name: str, file: str | None
) -> str | None:
    """The API key from ``inline`` or the stripped content of ``file`` (at most one of them).

    Args:
        inline_name: Name of the inline setting, for messages (e.g. ``STIGMER_API_KEY``).
        inline: The inline key, or None when not set.
        file_name: Name of the file setting, for messages.
        file: Path of a file holding the key, or None when not set.

    Returns:
        The key, or None when neither is set.

    Raises:
        ApiKeyError: Both are set, the key is empty, the file is unreadable or the key has
            characters a header cannot carry.
    """
    if inline is not None and file is not None:
        # Two sources of one key is a mistake, not a precedence question.
        raise ApiKeyError(f"set {inline_name} or {file_name}, not both")
    if inline is not None:
        key = inline.strip()
        if not key:
            raise ApiKeyError(f"{inline_name} is empty")
        return _header_safe(inline_name, key)
    if file is None:
        return None
    try:
        key = Path(file).expanduser().read_text().strip()
    except OSError as err:
        raise ApiKeyError(f"{file_name}: cannot read {file}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ApiKeyError(f"{file_name}: {file} is not text") from None
    if not key:
        raise ApiKeyError(f"{file_name}: {file} is empty")
    return _header_safe(file_name, key)


def _header_safe(name: str, key: str) -> str:
    # gRPC would refuse the header with a message quoting it; the key is never shown.
    if not all("!" <= c <= "~" for c in key):
        raise ApiKeyError(f"{name}: the key has spaces or characters a header cannot carry")
    return key


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
