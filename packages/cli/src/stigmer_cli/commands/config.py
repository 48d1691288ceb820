"""``stigmer config``: named contexts (endpoint, API key, TLS) in the CLI's config file."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from stigmer_cli.cli_parser import Parser, command_parser
from stigmer_cli.config_file import (
    PATH_SETTINGS,
    CliConfig,
    ConnectionSettings,
    Context,
    absolute,
    config_path,
    load_config,
    save_config,
)
from stigmer_cli.errors import UsageError
from stigmer_cli.render.json_output import dumps
from stigmer_cli.render.text_output import columns


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    """Add the command and its subcommands."""
    parser = command_parser(
        sub,
        "config",
        summary="manage contexts (server endpoint, API key, TLS) in "
        "$STIGMER_CONFIG, else $XDG_CONFIG_HOME/stigmer/config.yaml "
        "(default ~/.config/stigmer/config.yaml)",
        example="stigmer config set-context prod --endpoint stigmer.example.com:443 "
        "--api-key-file ~/.config/stigmer/prod.key --tls",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True

    setter = command_parser(
        actions,
        "set-context",
        summary="create a context, or change the given settings of an existing one; "
        "the first context becomes the current one",
        example="stigmer config set-context local --endpoint 127.0.0.1:7234",
    )
    setter.add_argument("name", help="the context's name")
    setter.add_argument("--endpoint", metavar="HOST:PORT", help="stigmer-server gRPC endpoint")
    key = setter.add_mutually_exclusive_group()
    key.add_argument(
        "--api-key-file", metavar="FILE", help="file holding the API key (stored as a path)"
    )
    key.add_argument(
        "--api-key",
        metavar="KEY",
        help="the API key itself, stored in the file (made readable by you only)",
    )
    setter.add_argument("--tls", action=argparse.BooleanOptionalAction, default=None)
    setter.add_argument("--ca", metavar="FILE", help="PEM CA certificates to verify the server")
    setter.add_argument("--cert", metavar="FILE", help="PEM client certificate (mTLS)")
    setter.add_argument("--key", metavar="FILE", help="private key of --cert")
    setter.add_argument("--tls-server-name", metavar="NAME")
    setter.set_defaults(func=_set_context)

    # (action, summary, example of its one argument - a context's name - or None, handler)
    for name, summary, argument, func in (
        ("use-context", "make a context the current one", "prod", _use_context),
        ("get-contexts", "list the contexts (the current one marked *)", None, _get_contexts),
        ("current-context", "print the current context's name", None, _current_context),
        ("delete-context", "remove a context", "old", _delete_context),
        ("view", "print the config file, API keys redacted", None, _view),
    ):
        example = f"stigmer config {name} {argument or ''}".rstrip()
        action = command_parser(actions, name, summary=summary, example=example)
        if argument is not None:
            action.add_argument("name")
        if func is _get_contexts:
            action.add_argument("-o", "--output", choices=("text", "json"), default="text")
        action.set_defaults(func=func)


def _load() -> CliConfig:
    return load_config(config_path(os.environ))


def _set_context(args: argparse.Namespace) -> int:
    config = _load()
    known = {c.name: c for c in config.contexts}
    existing = known.get(args.name, Context(name=args.name))
    changes: dict[str, Any] = {}
    for setting in fields(ConnectionSettings):
        value = getattr(args, setting.name)
        if value is not None:
            changes[setting.name] = (
                absolute(value, Path.cwd()) if setting.name in PATH_SETTINGS else value
            )
    # One key source per context: setting one replaces the other.
    if args.api_key is not None:
        changes["api_key_file"] = None
    if args.api_key_file is not None:
        changes["api_key"] = None
    context = replace(existing, **changes)
    if (context.cert is None) != (context.key is None):
        raise UsageError("--cert and --key go together")
    updated = config.with_context(context)
    made_current = updated.current_context is None
    if made_current:
        updated = replace(updated, current_context=args.name)
    save_config(updated)
    verb = "changed" if args.name in known else "created"
    note = " and made current" if made_current else ""
    print(f"context {args.name} {verb}{note} in {config.path}")
    return 0


def _use_context(args: argparse.Namespace) -> int:
    config = _load()
    config.context(args.name)  # it must exist
    save_config(replace(config, current_context=args.name))
    print(f"current context: {args.name}")
    return 0


def _get_contexts(args: argparse.Namespace) -> int:
    config = _load()
    rows = [_summary(c, config.current_context) for c in config.contexts]
    if args.output == "json":
        print(dumps(rows))
        return 0
    if not rows:
        print(f"no contexts in {config.path}", file=sys.stderr)
        return 0
    cells = [("CURRENT", "NAME", "ENDPOINT", "API KEY", "TLS")]
    cells += [
        ("*" if r["current"] else "", r["name"], r["endpoint"] or "-", r["api_key"], r["tls"])
        for r in rows
    ]
    print(columns(cells))
    return 0


def _summary(context: Context, current: str | None) -> dict[str, Any]:
    if context.api_key_file:
        key = f"file {context.api_key_file}"
    else:
        key = "inline" if context.api_key else "none"
    tls = context.tls if context.tls is not None else bool(context.ca or context.cert)
    mode = "off"
    if tls:
        mode = "mtls" if context.cert else "on"
    return {
        "current": context.name == current,
        "name": context.name,
        "endpoint": context.endpoint,
        "api_key": key,
        "tls": mode,
    }


def _current_context(args: argparse.Namespace) -> int:
    config = _load()
    if config.current_context is None:
        raise UsageError(f"no current context in {config.path}: stigmer config use-context NAME")
    print(config.current_context)
    return 0


def _delete_context(args: argparse.Namespace) -> int:
    config = _load()
    config.context(args.name)  # it must exist
    current = None if config.current_context == args.name else config.current_context
    kept = tuple(c for c in config.contexts if c.name != args.name)
    save_config(replace(config, contexts=kept, current_context=current))
    print(f"context {args.name} deleted")
    return 0


def _view(args: argparse.Namespace) -> int:
    config = _load()
    print(f"# {config.path}")
    print(yaml.safe_dump(config.to_yaml(redact=True), sort_keys=False), end="")
    return 0
