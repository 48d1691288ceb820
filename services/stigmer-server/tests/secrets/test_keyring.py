"""AES-GCM sealing of secret values: round trip, rotation, tampering, binding, configuration."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from stigmer_devstack.secrets_key import new_secrets_key
from stigmer_server.secrets.keyring import (
    Keyring,
    KeyringError,
    SecretDecryptionError,
    associated_data,
    is_sealed,
    key_id_of,
    load_keyring,
    parse_keyring,
)

AD = associated_data("WorkflowExecution", "wex-1", "API_TOKEN")


def ring(*ids: str) -> Keyring:
    keyring = parse_keyring([new_secrets_key(i) for i in ids])
    assert keyring is not None
    return keyring


def test_round_trip_hides_the_plaintext() -> None:
    keyring = ring("k1")
    sealed = keyring.seal("s3cr3t-value", AD)
    assert is_sealed(sealed) and key_id_of(sealed) == "k1"
    assert "s3cr3t" not in sealed
    assert keyring.open(sealed, AD) == "s3cr3t-value"


def test_each_seal_uses_a_fresh_nonce() -> None:
    keyring = ring("k1")
    assert keyring.seal("same", AD) != keyring.seal("same", AD)


def test_rotation_new_key_encrypts_old_key_still_decrypts() -> None:
    old = ring("old")
    sealed_old = old.seal("v1", AD)
    rotated = Keyring((ring("new").keys[0], old.keys[0]))
    assert rotated.open(sealed_old, AD) == "v1"
    sealed_new = rotated.seal("v2", AD)
    assert key_id_of(sealed_new) == "new"
    with pytest.raises(SecretDecryptionError, match="'new'"):
        old.open(sealed_new, AD)


def test_a_retired_key_id_does_not_decrypt() -> None:
    sealed = ring("gone").seal("v", AD)
    with pytest.raises(SecretDecryptionError, match="lacks"):
        ring("k1").open(sealed, AD)


@pytest.mark.parametrize("position", [0, 5, -1])
def test_tampered_ciphertext_fails(position: int) -> None:
    keyring = ring("k1")
    sealed = keyring.seal("secret", AD)
    prefix, _, payload = sealed.rpartition(":")
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[position] ^= 0x01
    tampered = f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(SecretDecryptionError):
        keyring.open(tampered, AD)


def test_truncated_or_garbled_values_fail() -> None:
    keyring = ring("k1")
    for bad in ("sealed:v1:k1:", "sealed:v1:k1:AAAA", "sealed:v1:k1:!!notbase64", "plain"):
        with pytest.raises(SecretDecryptionError):
            keyring.open(bad, AD)


@pytest.mark.parametrize(
    "other",
    [
        associated_data("WorkflowExecution", "wex-2", "API_TOKEN"),
        associated_data("WorkflowExecution", "wex-1", "OTHER"),
        associated_data("Workflow", "wex-1", "API_TOKEN"),
    ],
)
def test_a_value_does_not_open_for_another_resource_or_entry(other: bytes) -> None:
    keyring = ring("k1")
    with pytest.raises(SecretDecryptionError):
        keyring.open(keyring.seal("secret", AD), other)


def test_parse_skips_blanks_and_comments_and_keeps_order() -> None:
    entries = ["", "# rotated 2026-11", new_secrets_key("b"), " ", new_secrets_key("a")]
    keyring = parse_keyring(entries)
    assert keyring is not None and [kid for kid, _ in keyring.keys] == ["b", "a"]
    assert keyring.primary_id == "b"
    assert parse_keyring(["", " "]) is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("nocolon", "no ':'"),
        ("k1:not base64!", "not base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "32 bytes"),
        (f"bad id:{base64.b64encode(bytes(32)).decode()}", "key id"),
    ],
)
def test_malformed_entries_are_refused(entry: str, message: str) -> None:
    with pytest.raises(KeyringError, match=message):
        parse_keyring([entry])


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(KeyringError, match="duplicate"):
        parse_keyring([new_secrets_key("k"), new_secrets_key("k")])


def test_load_reads_the_variable_then_the_file(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"{new_secrets_key('from-file')}\n")
    keyring = load_keyring(new_secrets_key("from-env"), str(path))
    assert keyring is not None and [kid for kid, _ in keyring.keys] == ["from-env", "from-file"]
    assert load_keyring("", "") is None
    with pytest.raises(KeyringError, match="STIGMER_SECRETS_KEYS_FILE"):
        load_keyring("", str(path) + ".missing")


def test_the_keys_never_show_in_repr() -> None:
    keyring = ring("k1")
    assert base64.b64encode(keyring.keys[0][1]).decode() not in repr(keyring)
