"""Secret values on their way into and out of the store: sealed on write, opened for the runner.

Every secret entry (``is_secret``) of an execution's ``runtime_env`` and of a workflow's
``env_spec.data`` is stored sealed (:mod:`.keyring`). An incoming entry whose value is
:data:`~.redaction.REDACTED` keeps the value stored under the same name, so a client can send
back what it read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

from stigmer_server.errors import FailedPreconditionError, InvalidArgumentError
from stigmer_server.secrets.keyring import (
    FILE_SETTING,
    SETTING,
    Keyring,
    SecretDecryptionError,
    associated_data,
    is_sealed,
    key_id_of,
)
from stigmer_server.secrets.redaction import REDACTED


class SecretEntry(Protocol):
    """An ``ExecutionValue`` or ``EnvironmentValue``."""

    value: str
    is_secret: bool


E = TypeVar("E", bound=SecretEntry)

_NO_KEY = (
    f"secret values need an encryption key: set {SETTING} (or {FILE_SETTING}) on stigmer-server"
    " to '<key id>:<base64 of 32 random bytes>'"
)


class SecretSealer:
    """Seals and opens the secret entries of one kind of resource."""

    def __init__(self, keyring: Keyring | None, kind: str, field: str) -> None:
        """Bind to ``keyring`` (``None``: secret values are refused).

        Args:
            keyring: Encryption keys.
            kind: Resource kind name, part of the associated data.
            field: Path of the entries in the resource, for error messages (``spec.runtime_env``).
        """
        self._keyring = keyring
        self._kind = kind
        self._field = field

    def seal(
        self,
        resource_id: str,
        incoming: Mapping[str, E],
        stored: Mapping[str, E] | None = None,
    ) -> None:
        """Seal, in place, the secret values of ``incoming`` for resource ``resource_id``.

        Args:
            resource_id: Id of the resource the entries belong to.
            incoming: Entries from a client; secret values are replaced by sealed ones.
            stored: The entries stored so far (updates); a :data:`REDACTED` value keeps the
                stored value of the same name (re-sealed under the current key if needed).

        Raises:
            InvalidArgumentError: A :data:`REDACTED` value with nothing to keep.
            FailedPreconditionError: A secret value while no key is configured.
        """
        for name, entry in incoming.items():
            if not entry.is_secret or not entry.value:
                continue
            previous = (stored or {}).get(name)
            if entry.value == REDACTED:
                if previous is None or not previous.is_secret or not is_sealed(previous.value):
                    raise InvalidArgumentError(
                        f"{self._field}[{name}].value",
                        f"is the placeholder {REDACTED!r} but no secret of that name is stored;"
                        " send the value",
                    )
                entry.value = self._reseal(resource_id, name, previous.value)
                continue
            entry.value = self._require().seal(
                entry.value, associated_data(self._kind, resource_id, name)
            )

    def open(self, resource_id: str, entries: Mapping[str, E]) -> dict[str, str]:
        """The clear values of the secret entries of resource ``resource_id``, by name.

        Raises:
            FailedPreconditionError: No key is configured, or a value does not decrypt.
        """
        values: dict[str, str] = {}
        for name, entry in entries.items():
            if entry.is_secret and entry.value:
                values[name] = self._open(resource_id, name, entry.value)
        return values

    def _reseal(self, resource_id: str, name: str, sealed: str) -> str:
        keyring = self._require()
        if key_id_of(sealed) == keyring.primary_id:
            return sealed
        # Rotation: a value kept across an update moves to the current key.
        aad = associated_data(self._kind, resource_id, name)
        return keyring.seal(self._open(resource_id, name, sealed), aad)

    def _open(self, resource_id: str, name: str, sealed: str) -> str:
        try:
            return self._require().open(sealed, associated_data(self._kind, resource_id, name))
        except SecretDecryptionError as err:
            raise FailedPreconditionError(
                f"{self._kind} {resource_id}: {self._field}[{name}] cannot be decrypted: {err}"
            ) from err

    def _require(self) -> Keyring:
        if self._keyring is None:
            raise FailedPreconditionError(_NO_KEY)
        return self._keyring
