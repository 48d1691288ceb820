"""Which server to call and how: endpoint, API key and TLS from flags, environment and context.

Each setting comes from the first of: the command-line flag, the environment variable, the
selected context of the config file, the default. The context is the one ``--context`` (or
``$STIGMER_CONTEXT``) names, else the config file's current context, but the current context
only when no endpoint is given by flag or environment: a context's key and CA belong to its
endpoint, so they never go to another server unless the user names the context.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from stigmer_protos.client_auth import ApiKeyError, read_api_key

from stigmer_cli.config_file import (
    CliConfig,
    ConnectionSettings,
    Context,
    config_path,
    load_config,
)
from stigmer_cli.errors import UsageError

DEFAULT_ENDPOINT = "localhost:7234"
ENDPOINT_ENV = "STIGMER_ENDPOINT"
CONTEXT_ENV = "STIGMER_CONTEXT"
API_KEY_ENV = "STIGMER_API_KEY"
API_KEY_FILE_ENV = "STIGMER_API_KEY_FILE"
TLS_ENV = "STIGMER_TLS"
CA_ENV = "STIGMER_TLS_CA_FILE"
CERT_ENV = "STIGMER_TLS_CERT_FILE"
KEY_ENV = "STIGMER_TLS_KEY_FILE"
SERVER_NAME_ENV = "STIGMER_TLS_SERVER_NAME"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Connection:
    """How to reach stigmer-server, resolved once when the command starts.

    Attributes:
        endpoint: ``host:port``; ``None`` when nothing chose one (the default applies, or
            ``stigmer run`` starts an embedded stack).
        api_key: Sent as ``authorization: Bearer <key>`` on every call (never printed).
        tls: Use a TLS channel.
        ca_file: PEM roots verifying the server (default: the system's).
        cert_file: PEM client certificate for mTLS, with ``key_file``.
        key_file: Its private key.
        server_name: The name checked against the server certificate instead of the host.
        context: The context the settings came from, if any.
    """

    endpoint: str | None = None
    api_key: str | None = field(default=None, repr=False)
    tls: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    context: str | None = None

    @property
    def target(self) -> str:
        """The endpoint to dial: the chosen one or the default."""
        return self.endpoint or DEFAULT_ENDPOINT


@dataclass(frozen=True, kw_only=True)
class Flags(ConnectionSettings):
    """The connection flags of one command line (``None``: not given), with ``--context``."""

    context: str | None = None

    @classmethod
    def of(cls, args: argparse.Namespace) -> Flags:
        """The flags ``cli_parser.add_connection`` parsed into ``args``."""
        return cls(
            endpoint=args.endpoint,
            context=args.context,
            api_key=args.api_key,
            api_key_file=args.api_key_file,
            tls=args.tls,
            ca=args.ca,
            cert=args.cert,
            key=args.key,
            tls_server_name=args.tls_server_name,
        )


def connection_from(args: argparse.Namespace) -> Connection:
    """The connection of a command: its flags, this process's environment, the config file.

    Raises:
        UsageError: A bad setting, an unreadable key file or config file, an unknown context.
    """
    flags = Flags.of(args)
    path = config_path(os.environ)
    # The file is read only when a context can apply: --endpoint alone never depends on it.
    needed = _context_applies(flags, _Env(os.environ))
    return resolve(flags, os.environ, load_config(path) if needed else CliConfig(path))


def resolve(flags: Flags, environ: Mapping[str, str], config: CliConfig) -> Connection:
    """Resolve every setting: flag, then environment, then the selected context, then default.

    Args:
        flags: The command line's connection flags.
        environ: The environment.
        config: The config file's content.

    Raises:
        UsageError: A bad or contradictory setting, an unknown context, an unreadable or
            empty API key file.
    """
    env = _Env(environ)
    context = _selected_context(flags, env, config) or Context(name="")
    endpoint = flags.endpoint or env.get(ENDPOINT_ENV) or context.endpoint
    api_key = (
        _key("--api-key", flags.api_key, "--api-key-file", flags.api_key_file)
        or _key(API_KEY_ENV, env.get(API_KEY_ENV), API_KEY_FILE_ENV, env.get(API_KEY_FILE_ENV))
        or _key("api-key", context.api_key, "api-key-file", context.api_key_file)
    )
    ca = flags.ca or env.get(CA_ENV) or context.ca
    cert = flags.cert or env.get(CERT_ENV) or context.cert
    key = flags.key or env.get(KEY_ENV) or context.key
    if (cert is None) != (key is None):
        raise UsageError(
            f"a client certificate needs its key: pass --cert and --key (or {CERT_ENV} "
            f"and {KEY_ENV}) together"
        )
    tls = _first_set(
        _tls_of(flags.tls, flags.ca, flags.cert),
        _tls_of(env.flag(TLS_ENV), env.get(CA_ENV), env.get(CERT_ENV)),
        _tls_of(context.tls, context.ca, context.cert),
    )
    return Connection(
        endpoint=endpoint,
        api_key=api_key,
        tls=tls,
        ca_file=ca if tls else None,
        cert_file=cert if tls else None,
        key_file=key if tls else None,
        server_name=(flags.tls_server_name or env.get(SERVER_NAME_ENV) or context.tls_server_name)
        if tls
        else None,
        context=context.name or None,
    )


class _Env:
    """Non-empty, stripped environment values."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def get(self, name: str) -> str | None:
        return self._environ.get(name, "").strip() or None

    def flag(self, name: str) -> bool | None:
        raw = (self.get(name) or "").lower()
        if not raw:
            return None
        if raw not in _TRUE | _FALSE:
            raise UsageError(f"{name} must be true or false, got {raw!r}")
        return raw in _TRUE


def _context_applies(flags: Flags, env: _Env) -> bool:
    named = flags.context or env.get(CONTEXT_ENV)
    return bool(named) or not (flags.endpoint or env.get(ENDPOINT_ENV))


def _selected_context(flags: Flags, env: _Env, config: CliConfig) -> Context | None:
    if not _context_applies(flags, env):
        return None
    named = flags.context or env.get(CONTEXT_ENV) or config.current_context
    return config.context(named) if named else None


def _key(inline_name: str, inline: str | None, file_name: str, file: str | None) -> str | None:
    try:
        return read_api_key(inline_name, inline, file_name, file)
    except ApiKeyError as err:
        raise UsageError(str(err)) from None


def _tls_of(explicit: bool | None, ca: str | None, cert: str | None) -> bool | None:
    # At one level, a CA or a client certificate asks for TLS unless TLS is turned off there.
    if explicit is not None:
        return explicit
    return True if ca or cert else None


def _first_set(*values: bool | None) -> bool:
    return next((v for v in values if v is not None), False)
