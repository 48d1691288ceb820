"""Resolution of the connection settings: flag, then environment, then context, then default."""

from __future__ import annotations

from pathlib import Path

import pytest
from stigmer_cli.config_file import CliConfig, Context
from stigmer_cli.connection import Connection, Flags, connection_from, resolve
from stigmer_cli.errors import UsageError
from stigmer_cli.main import build_parser


@pytest.fixture
def key_files(tmp_path: Path) -> dict[str, str]:
    """Key files named for their content."""
    files = {}
    for name in ("flag-file", "env-file", "context-file"):
        path = tmp_path / name
        path.write_text(f"  {name}-key\n")
        files[name] = str(path)
    return files


def _config(tmp_path: Path, *contexts: Context, current: str | None = None) -> CliConfig:
    return CliConfig(tmp_path / "config.yaml", contexts, current)


PROD = Context(
    name="prod",
    endpoint="prod:443",
    api_key="prod-key",
    ca="/prod/ca.pem",
    tls_server_name="prod.example",
)


def test_nothing_set_is_the_default_endpoint_without_key_or_tls(tmp_path: Path) -> None:
    resolved = resolve(Flags(), {}, _config(tmp_path))
    assert resolved == Connection()
    assert resolved.target == "localhost:7234"


def test_the_current_context_applies_when_no_endpoint_is_given(tmp_path: Path) -> None:
    resolved = resolve(Flags(), {}, _config(tmp_path, PROD, current="prod"))
    assert resolved == Connection(
        endpoint="prod:443",
        api_key="prod-key",
        tls=True,
        ca_file="/prod/ca.pem",
        server_name="prod.example",
        context="prod",
    )


@pytest.mark.parametrize(
    ("flags", "environ"),
    [(Flags(endpoint="other:1"), {}), (Flags(), {"STIGMER_ENDPOINT": "other:1"})],
    ids=["flag", "env"],
)
def test_an_explicit_endpoint_leaves_the_current_context_out(
    tmp_path: Path, flags: Flags, environ: dict[str, str]
) -> None:
    """The current context's key and CA never go to a server it does not name."""
    resolved = resolve(flags, environ, _config(tmp_path, PROD, current="prod"))
    assert resolved == Connection(endpoint="other:1")


def test_a_named_context_applies_under_an_explicit_endpoint(tmp_path: Path) -> None:
    config = _config(tmp_path, PROD, Context(name="dev", endpoint="dev:1"), current="dev")
    resolved = resolve(Flags(endpoint="tunnel:9", context="prod"), {}, config)
    assert (resolved.endpoint, resolved.api_key, resolved.ca_file) == (
        "tunnel:9",
        "prod-key",
        "/prod/ca.pem",
    )
    by_env = resolve(Flags(), {"STIGMER_CONTEXT": "prod"}, config)
    assert by_env.context == "prod"


def test_the_context_flag_beats_the_context_variable(tmp_path: Path) -> None:
    config = _config(tmp_path, PROD, Context(name="dev", endpoint="dev:1"))
    resolved = resolve(Flags(context="dev"), {"STIGMER_CONTEXT": "prod"}, config)
    assert resolved.context == "dev"


def test_flag_beats_env_beats_context_for_each_setting(
    tmp_path: Path, key_files: dict[str, str]
) -> None:
    context = Context(
        name="c",
        endpoint="ctx:1",
        api_key_file=key_files["context-file"],
        ca="/ctx/ca",
        cert="/ctx/cert",
        key="/ctx/key",
        tls_server_name="ctx.example",
    )
    config = _config(tmp_path, context)
    environ = {
        "STIGMER_ENDPOINT": "env:1",
        "STIGMER_API_KEY_FILE": key_files["env-file"],
        "STIGMER_TLS_CA_FILE": "/env/ca",
        "STIGMER_TLS_SERVER_NAME": "env.example",
    }
    flags = Flags(context="c", api_key_file=key_files["flag-file"], ca="/flag/ca")
    assert resolve(flags, environ, config) == Connection(
        endpoint="env:1",
        api_key="flag-file-key",
        tls=True,
        ca_file="/flag/ca",
        cert_file="/ctx/cert",
        key_file="/ctx/key",
        server_name="env.example",
        context="c",
    )
    without_flags = resolve(Flags(context="c"), environ, config)
    assert (without_flags.api_key, without_flags.ca_file) == ("env-file-key", "/env/ca")
    context_only = resolve(Flags(context="c"), {}, config)
    assert (context_only.endpoint, context_only.api_key) == ("ctx:1", "context-file-key")


def test_the_inline_key_variable_and_file_variable(
    tmp_path: Path, key_files: dict[str, str]
) -> None:
    assert resolve(Flags(), {"STIGMER_API_KEY": " k1 "}, _config(tmp_path)).api_key == "k1"
    with pytest.raises(UsageError, match="STIGMER_API_KEY or STIGMER_API_KEY_FILE, not both"):
        resolve(
            Flags(),
            {"STIGMER_API_KEY": "k1", "STIGMER_API_KEY_FILE": key_files["env-file"]},
            _config(tmp_path),
        )
    with pytest.raises(UsageError, match="--api-key or --api-key-file, not both"):
        resolve(Flags(api_key="a", api_key_file=key_files["flag-file"]), {}, _config(tmp_path))


@pytest.mark.parametrize(
    ("content", "problem"),
    [("", "is empty"), ("  \n", "is empty"), ("two words", "spaces"), ("é", "characters")],
)
def test_an_unusable_key_file_is_refused_without_showing_it(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "api.key"
    path.write_text(content)
    with pytest.raises(UsageError, match=problem) as refused:
        resolve(Flags(api_key_file=str(path)), {}, _config(tmp_path))
    assert refused.value.message.startswith("--api-key-file")
    if content.strip():
        assert content.strip() not in refused.value.message


def test_a_missing_key_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"STIGMER_API_KEY_FILE: cannot read .*absent"):
        resolve(Flags(), {"STIGMER_API_KEY_FILE": str(tmp_path / "absent")}, _config(tmp_path))


@pytest.mark.parametrize(
    ("flags", "environ", "context", "tls"),
    [
        (Flags(), {}, Context(name="c"), False),
        (Flags(tls=True), {}, Context(name="c"), True),
        (Flags(), {"STIGMER_TLS": "yes"}, Context(name="c"), True),
        (Flags(), {}, Context(name="c", tls=True), True),
        (Flags(), {}, Context(name="c", ca="/ca"), True),  # a CA asks for TLS
        (Flags(), {"STIGMER_TLS_CA_FILE": "/ca"}, Context(name="c"), True),
        (Flags(tls=False), {}, Context(name="c", ca="/ca"), False),  # --no-tls wins
        (Flags(), {"STIGMER_TLS": "false"}, Context(name="c", tls=True), False),
        (Flags(ca="/ca"), {"STIGMER_TLS": "false"}, Context(name="c"), True),
    ],
)
def test_tls_is_on_when_the_first_level_setting_it_says_so(
    tmp_path: Path, flags: Flags, environ: dict[str, str], context: Context, tls: bool
) -> None:
    config = _config(tmp_path, context, current="c")
    resolved = resolve(flags, environ, config)
    assert resolved.tls is tls
    if not tls:
        assert resolved.ca_file is None


def test_a_bad_tls_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="STIGMER_TLS must be true or false"):
        resolve(Flags(), {"STIGMER_TLS": "maybe"}, _config(tmp_path))


def test_a_client_certificate_needs_its_key(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--cert and --key"):
        resolve(Flags(cert="/c"), {}, _config(tmp_path))
    both = resolve(Flags(cert="/c"), {"STIGMER_TLS_KEY_FILE": "/k"}, _config(tmp_path))
    assert (both.tls, both.cert_file, both.key_file) == (True, "/c", "/k")


def test_an_unknown_context_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no context 'nope' .*known: prod"):
        resolve(Flags(context="nope"), {}, _config(tmp_path, PROD))


def test_the_key_is_not_in_the_repr() -> None:
    assert "s3cret" not in repr(Connection(endpoint="e:1", api_key="s3cret"))
    assert "s3cret" not in repr(Context(name="c", api_key="s3cret"))
    assert "s3cret" not in repr(Flags(api_key="s3cret"))


def test_the_config_file_is_read_only_when_a_context_can_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "config.yaml"
    broken.write_text("contexts: [\n")
    monkeypatch.setenv("STIGMER_CONFIG", str(broken))
    for name in ("STIGMER_ENDPOINT", "STIGMER_CONTEXT", "STIGMER_API_KEY", "STIGMER_TLS"):
        monkeypatch.delenv(name, raising=False)
    parser = build_parser()
    assert connection_from(parser.parse_args(["list", "--endpoint", "e:1"])).endpoint == "e:1"
    for argv in (["list"], ["list", "--endpoint", "e:1", "--context", "c"]):
        with pytest.raises(UsageError, match="not valid YAML"):
            connection_from(parser.parse_args(argv))
