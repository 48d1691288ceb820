"""The network policy's decisions: built-in denies, CIDR parsing, mapped IPv6, precedence."""

from __future__ import annotations

from pathlib import Path

import pytest
from workflow_runner.engine import EngineConfig
from workflow_runner.engine.network_policy import NetworkPolicy, parse_cidrs

DEFAULT = NetworkPolicy()


@pytest.mark.parametrize(
    ("address", "address_class"),
    [
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("169.254.1.2", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("::ffff:a9fe:a9fe", "cloud metadata"),
        ("64:ff9b::169.254.169.254", "cloud metadata"),
        ("::ffff:0.0.0.0", "unspecified"),
    ],
)
def test_built_in_rules_deny_metadata_link_local_and_unspecified(
    address: str, address_class: str
) -> None:
    denial = DEFAULT.check(address)
    assert denial is not None
    assert denial.address_class == address_class
    assert "built-in" in denial.rule


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.1.2.3", "192.168.0.1", "8.8.8.8"])
def test_default_allows_loopback_private_and_public(address: str) -> None:
    assert DEFAULT.check(address) is None


def test_parse_accepts_commas_spaces_and_bare_addresses() -> None:
    parsed = parse_cidrs(" 10.0.0.0/8, ::1  192.168.1.7/24,\n", "X")
    assert [str(n) for n in parsed] == ["10.0.0.0/8", "::1/128", "192.168.1.0/24"]
    assert parse_cidrs("", "X") == ()


def test_parse_names_the_setting_and_the_bad_item() -> None:
    with pytest.raises(ValueError, match=r"STIGMER_EGRESS_DENY_CIDRS: 'nope/8'"):
        NetworkPolicy.from_settings("", "10.0.0.0/8,nope/8")


def test_operator_deny_names_the_setting_and_class() -> None:
    policy = NetworkPolicy.from_settings("", "127.0.0.0/8,::1,10.0.0.0/8")
    denial = policy.check("127.0.0.1")
    assert denial is not None
    assert (denial.address_class, denial.rule) == (
        "loopback",
        "STIGMER_EGRESS_DENY_CIDRS 127.0.0.0/8",
    )
    assert policy.check("::1") is not None
    assert policy.check("::ffff:127.0.0.1") is not None  # mapped form of a denied address
    assert policy.check("::ffff:10.9.9.9") is not None
    assert policy.check("8.8.8.8") is None


def test_mapped_ipv6_rules_apply_to_ipv4_addresses() -> None:
    policy = NetworkPolicy.from_settings("", "::ffff:10.0.0.0/104")
    assert policy.check("10.2.3.4") is not None
    assert policy.check("11.2.3.4") is None


def test_more_specific_allow_beats_broader_deny() -> None:
    policy = NetworkPolicy.from_settings("10.1.2.0/24", "10.0.0.0/8")
    assert policy.check("10.1.2.3") is None
    assert policy.check("10.1.3.3") is not None


def test_on_equal_prefixes_deny_beats_allow() -> None:
    policy = NetworkPolicy.from_settings("10.1.2.3/32", "10.1.2.3/32")
    assert policy.check("10.1.2.3") is not None


def test_broad_allow_does_not_reopen_metadata() -> None:
    policy = NetworkPolicy.from_settings("0.0.0.0/0,::/0", "")
    assert policy.check("169.254.169.254") is not None
    assert policy.check("fe80::1") is not None


def test_explicit_allow_as_specific_as_a_built_in_rule_wins() -> None:
    policy = NetworkPolicy.from_settings("169.254.169.254/32", "")
    assert policy.check("169.254.169.254") is None
    assert policy.check("169.254.1.1") is not None


def test_allowlist_only_mode() -> None:
    policy = NetworkPolicy.from_settings("203.0.113.0/24", "0.0.0.0/0,::/0")
    assert policy.check("203.0.113.9") is None
    assert policy.check("8.8.8.8") is not None
    assert policy.check("2001:db8::1") is not None


def test_engine_config_reads_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STIGMER_EGRESS_DENY_CIDRS", "127.0.0.0/8")
    monkeypatch.setenv("STIGMER_EGRESS_ALLOW_CIDRS", "127.0.0.5")
    monkeypatch.setenv("STIGMER_ALLOW_FILE_RESOURCES", "1")
    monkeypatch.setenv("STIGMER_FILE_RESOURCES_ROOT", str(tmp_path))
    config = EngineConfig.from_env()
    assert config.network_policy.check("127.0.0.1") is not None
    assert config.network_policy.check("127.0.0.5") is None
    assert config.file_resources_root == tmp_path.resolve()


def test_engine_config_defaults_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "STIGMER_EGRESS_DENY_CIDRS",
        "STIGMER_EGRESS_ALLOW_CIDRS",
        "STIGMER_ALLOW_FILE_RESOURCES",
        "STIGMER_FILE_RESOURCES_ROOT",
    ):
        monkeypatch.delenv(name, raising=False)
    config = EngineConfig.from_env()
    assert config.file_resources_root is None
    assert config.network_policy == NetworkPolicy()
    monkeypatch.setenv("STIGMER_ALLOW_FILE_RESOURCES", "true")
    with pytest.raises(ValueError, match="STIGMER_FILE_RESOURCES_ROOT is not set"):
        EngineConfig.from_env()
    monkeypatch.setenv("STIGMER_FILE_RESOURCES_ROOT", "/definitely/not/here")
    with pytest.raises(ValueError, match="is not a directory"):
        EngineConfig.from_env()
