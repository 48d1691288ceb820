"""AES-256-GCM encryption of secret values at rest, under a keyring that supports rotation.

A sealed value is the text ``sealed:v1:<key id>:<base64url(nonce || ciphertext || tag)>``. The
associated data names the resource and the entry, so a sealed value copied into another
execution, workflow or entry does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SETTING = "STIGMER_SECRETS_KEYS"
FILE_SETTING = "STIGMER_SECRETS_KEYS_FILE"
_PREFIX = "sealed:v1:"
_NONCE_BYTES = 12
_KEY_BYTES = 32
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class KeyringError(ValueError):
    """The configured keys are malformed."""


class SecretDecryptionError(Exception):
    """A sealed value cannot be opened: unknown key id, tampered text or wrong resource."""


def associated_data(kind: str, resource_id: str, entry: str) -> bytes:
    """The associated data binding a sealed value to one entry of one resource.

    Args:
        kind: Resource kind name, e.g. ``WorkflowExecution``.
        resource_id: The resource's id.
        entry: The entry's name (a key of ``runtime_env`` or ``env_spec.data``).
    """
    # JSON keeps the three parts unambiguous whatever characters they hold.
    return json.dumps(["stigmer-secret", kind, resource_id, entry]).encode()


def is_sealed(value: str) -> bool:
    """Whether ``value`` is a sealed value (rather than plain text)."""
    return value.startswith(_PREFIX)


def key_id_of(sealed: str) -> str:
    """The id of the key that sealed ``sealed`` ("" when it is not a sealed value)."""
    if not is_sealed(sealed):
        return ""
    return sealed[len(_PREFIX) :].partition(":")[0]


@dataclass(frozen=True)
class Keyring:
    """Named 256-bit keys; the first one encrypts, every one decrypts.

    Attributes:
        keys: ``(key id, key)`` pairs, the encrypting key first.
    """

    keys: tuple[tuple[str, bytes], ...] = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError(f"{SETTING}: no key")
        ids = [kid for kid, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyringError(f"{SETTING}: duplicate key id")
        for kid, key in self.keys:
            if not _KEY_ID.fullmatch(kid):
                raise KeyringError(f"{SETTING}: key id {kid!r} must match {_KEY_ID.pattern}")
            if len(key) != _KEY_BYTES:
                raise KeyringError(f"{SETTING}: key {kid!r} must be {_KEY_BYTES} bytes")

    @property
    def primary_id(self) -> str:
        """The id of the key that encrypts."""
        return self.keys[0][0]

    def seal(self, plaintext: str, aad: bytes) -> str:
        """Encrypt ``plaintext`` under the first key, bound to ``aad``."""
        kid, key = self.keys[0]
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), aad)
        return f"{_PREFIX}{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, aad: bytes) -> str:
        """Decrypt a value produced by :meth:`seal` with the same ``aad``.

        Raises:
            SecretDecryptionError: Not a sealed value, unknown key id, or authentication failed
                (tampered text or another resource's value).
        """
        if not is_sealed(sealed):
            raise SecretDecryptionError("not a sealed value")
        kid, _, payload = sealed[len(_PREFIX) :].partition(":")
        key = dict(self.keys).get(kid)
        if key is None:
            raise SecretDecryptionError(f"sealed with key id {kid!r}, which {SETTING} lacks")
        try:
            raw = base64.urlsafe_b64decode(payload.encode())
            if len(raw) < _NONCE_BYTES:
                raise SecretDecryptionError("sealed value is truncated")
            return AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad).decode()
        except (InvalidTag, binascii.Error, ValueError) as err:
            raise SecretDecryptionError(
                f"sealed value does not authenticate under key id {kid!r}"
            ) from err


def parse_keyring(entries: Sequence[str]) -> Keyring | None:
    """Build a keyring from ``<key id>:<base64 of 32 bytes>`` entries (blank ones skipped).

    Returns:
        The keyring, or ``None`` when there is no entry.

    Raises:
        KeyringError: An entry is malformed.
    """
    keys: list[tuple[str, bytes]] = []
    for entry in (e.strip() for e in entries):
        if not entry or entry.startswith("#"):
            continue
        kid, sep, encoded = entry.partition(":")
        if not sep:
            raise KeyringError(f"{SETTING}: entry must be '<key id>:<base64 key>', got no ':'")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise KeyringError(f"{SETTING}: key {kid.strip()!r} is not base64") from None
        keys.append((kid.strip(), key))
    return Keyring(tuple(keys)) if keys else None


def load_keyring(value: str, file: str) -> Keyring | None:
    """Read the keyring from ``STIGMER_SECRETS_KEYS`` and ``STIGMER_SECRETS_KEYS_FILE``.

    Args:
        value: Comma-separated entries (``STIGMER_SECRETS_KEYS``).
        file: Path of a file with one entry per line (``STIGMER_SECRETS_KEYS_FILE``), or "".
            Its entries come after those of ``value``.

    Returns:
        The keyring, or ``None`` when no key is configured.

    Raises:
        KeyringError: An entry is malformed or the file cannot be read.
    """
    entries = value.split(",")
    if file:
        try:
            entries += Path(file).read_text().splitlines()
        except OSError as err:
            raise KeyringError(f"{FILE_SETTING}: {err}") from err
    return parse_keyring(entries)
