"""The CLI's config file: named contexts (endpoint and credentials) and the current one.

``$STIGMER_CONFIG``, else ``$XDG_CONFIG_HOME/stigmer/config.yaml``, else
``~/.config/stigmer/config.yaml``::

    current-context: prod
    contexts:
      - name: prod
        endpoint: stigmer.example.com:443
        api-key-file: ~/.config/stigmer/prod.key
        tls: true
        ca: /etc/stigmer/ca.pem

A file holding a key inline (``api-key``) must not be readable by group or others: like
ssh with a private key, the CLI refuses it otherwise (docs/adr/0025-cli-credentials-and-contexts.md).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from stigmer_cli.errors import UsageError

CONFIG_ENV = "STIGMER_CONFIG"
REDACTED = "<redacted>"
# The context fields as the file spells them, in the order they are written.
_KEYS = {
    "endpoint": "endpoint",
    "api_key": "api-key",
    "api_key_file": "api-key-file",
    "tls": "tls",
    "ca": "ca",
    "cert": "cert",
    "key": "key",
    "tls_server_name": "tls-server-name",
}
PATH_SETTINGS = ("api_key_file", "ca", "cert", "key")
"""The settings that name files: written as absolute paths, ``~`` expanded."""


@dataclass(frozen=True)
class ConnectionSettings:
    """How to reach one server, as a context or the command line gives it (``None``: unset).

    Attributes:
        endpoint: ``host:port`` of stigmer-server.
        api_key: The key itself (never printed).
        api_key_file: A file holding the key (content stripped).
        tls: Whether to use TLS; ``None`` lets ``ca``/``cert`` decide.
        ca: PEM roots that verify the server.
        cert: PEM client certificate (mTLS), with ``key``.
        key: Its private key.
        tls_server_name: The name checked against the server certificate.
    """

    endpoint: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api_key_file: str | None = None
    tls: bool | None = None
    ca: str | None = None
    cert: str | None = None
    key: str | None = None
    tls_server_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class Context(ConnectionSettings):
    """One named server and how to reach it (:class:`ConnectionSettings` with a ``name``)."""

    name: str

    def to_yaml(self, *, redact: bool) -> dict[str, Any]:
        """The context as the file spells it; ``redact`` replaces an inline key."""
        out: dict[str, Any] = {"name": self.name}
        for attr, key in _KEYS.items():
            value = getattr(self, attr)
            if value is not None:
                out[key] = REDACTED if redact and attr == "api_key" else value
        return out


@dataclass(frozen=True)
class CliConfig:
    """The config file's content.

    Attributes:
        path: Where it was read from (and is written to).
        contexts: The contexts, in file order.
        current_context: The context used when none is named, if any.
    """

    path: Path
    contexts: tuple[Context, ...] = ()
    current_context: str | None = None

    def context(self, name: str) -> Context:
        """The context called ``name``.

        Raises:
            UsageError: There is none.
        """
        for context in self.contexts:
            if context.name == name:
                return context
        known = ", ".join(c.name for c in self.contexts) or "none"
        raise UsageError(f"no context {name!r} in {self.path} (known: {known})")

    def with_context(self, context: Context) -> CliConfig:
        """This config with ``context`` added, or replacing the one of the same name."""
        others = tuple(c for c in self.contexts if c.name != context.name)
        if len(others) == len(self.contexts):
            return replace(self, contexts=(*self.contexts, context))
        return replace(
            self, contexts=tuple(context if c.name == context.name else c for c in self.contexts)
        )

    def to_yaml(self, *, redact: bool) -> dict[str, Any]:
        """The file's content; ``redact`` replaces inline keys."""
        out: dict[str, Any] = {}
        if self.current_context is not None:
            out["current-context"] = self.current_context
        out["contexts"] = [c.to_yaml(redact=redact) for c in self.contexts]
        return out


def config_path(environ: Mapping[str, str]) -> Path:
    """``$STIGMER_CONFIG``, else ``$XDG_CONFIG_HOME/stigmer/config.yaml``, else ``~/.config/...``."""
    explicit = environ.get(CONFIG_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = environ.get("XDG_CONFIG_HOME", "").strip()
    # XDG: a relative $XDG_CONFIG_HOME is invalid and must be ignored.
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "stigmer" / "config.yaml"


def load_config(path: Path) -> CliConfig:
    """Read the config file; a missing file is an empty config.

    Raises:
        UsageError: The file cannot be read, is not a valid config, or holds an inline key
            while readable by group or others.
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        return CliConfig(path)
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise UsageError(f"{path}: not valid YAML ({_first_line(err)})") from None
    config = _parse(path, data if data is not None else {})
    if any(c.api_key for c in config.contexts):
        _require_private(path)
    return config


def save_config(config: CliConfig) -> None:
    """Write the config file atomically, readable by its owner only (mode 0600).

    Raises:
        UsageError: It cannot be written.
    """
    path = config.path
    text = yaml.safe_dump(config.to_yaml(redact=False), sort_keys=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # mkstemp creates the file with mode 0600, so the key is never readable by others.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".yaml")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror}") from None


def absolute(path: str, base: Path) -> str:
    """``path`` with ``~`` expanded, relative to ``base`` when relative."""
    expanded = Path(path).expanduser()
    return str(expanded if expanded.is_absolute() else base / expanded)


def _require_private(path: Path) -> None:
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise UsageError(
            f"{path} holds an API key and is readable by others (mode {mode:04o}): "
            f"run `chmod 600 {path}`, or use api-key-file instead"
        )


def _parse(path: Path, data: Any) -> CliConfig:
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping with 'contexts' and 'current-context'")
    unknown = set(data) - {"contexts", "current-context"}
    if unknown:
        raise UsageError(f"{path}: unknown key {sorted(unknown)[0]!r}")
    current = data.get("current-context")
    if current is not None and not isinstance(current, str):
        raise UsageError(f"{path}: current-context must be a string")
    raw = data.get("contexts")
    raw = [] if raw is None else raw
    if not isinstance(raw, list):
        raise UsageError(f"{path}: contexts must be a list")
    contexts = [_parse_context(path, i, entry) for i, entry in enumerate(raw)]
    names = [c.name for c in contexts]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise UsageError(f"{path}: context {duplicate!r} is defined twice")
    return CliConfig(path, tuple(contexts), current)


def _parse_context(path: Path, index: int, entry: Any) -> Context:
    where = f"{path}: contexts[{index}]"
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: expected a mapping")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise UsageError(f"{where}: 'name' must be a non-empty string")
    by_key = {key: attr for attr, key in _KEYS.items()}
    values: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "name":
            continue
        attr = by_key.get(key)
        if attr is None:
            raise UsageError(f"{where} ({name}): unknown key {key!r}")
        expected = bool if attr == "tls" else str
        if not isinstance(value, expected):
            raise UsageError(f"{where} ({name}): {key} must be a {expected.__name__}")
        if isinstance(value, str) and attr in PATH_SETTINGS:
            value = absolute(value, path.parent)
        values[attr] = value
    context = Context(name=name, **values)
    _check_context(context, f"{where} ({name})")
    return context


def _check_context(context: Context, where: str) -> None:
    if context.api_key is not None and context.api_key_file is not None:
        raise UsageError(f"{where}: set api-key or api-key-file, not both")
    if (context.cert is None) != (context.key is None):
        raise UsageError(f"{where}: cert and key go together")


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
