"""Secret references: what workflow data holds where the DSL hands it a secret.

The DSL gives workflow data a secret in two places: ``$secrets`` in ``input.from``, and the
``parameter`` of ``$authorization`` (in ``output.as``/``export.as`` of a task with
authentication). Workflow code never holds a secret value (it would enter Temporal history,
progress rows and outputs), so there the workflow puts a *reference* instead: a token
``~stigmer-secret.<32 hex>~`` drawn from the workflow's deterministic random source, and keeps
what each token stands for in its own state (never in data): a secret path, or the
authorization parameter of an evaluated policy.

When an activity request contains tokens this run minted, :meth:`SecretReferences.attach` lists
them in the request's secret sites, beside the data (as ADR 0017's sites). The activity replaces
exactly those tokens, the whole string or each occurrence inside a longer string (see
:func:`~workflow_runner.engine.secrets.substitute`). Data that merely looks like a token, or a
token of another execution, is sent as the literal text it is; a copied token only ever stands
for what it was minted for. Tokens are carried across continue-as-new (``ResumeState``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from temporalio import workflow

from workflow_runner.engine import secrets
from workflow_runner.engine.secrets import SecretReads, SecretSite


class SecretReferences:
    """The tokens one interpreter run minted, and what each stands for."""

    def __init__(self, minted: Mapping[str, Any] | None = None) -> None:
        """Start with the tokens carried from a previous run, if any."""
        self.minted: dict[str, Any] = dict(minted or {})
        self._by_meaning = {_key(meaning): token for token, meaning in self.minted.items()}

    def mint(self, meaning: Mapping[str, Any]) -> str:
        """The token standing for ``meaning`` (the same token for the same meaning)."""
        key = _key(meaning)
        token = self._by_meaning.get(key)
        if token is None:
            token = f"{secrets.REFERENCE_PREFIX}{workflow.uuid4().hex}~"
            self.minted[token] = dict(meaning)
            self._by_meaning[key] = token
        return token

    def secrets_argument(self, reads: SecretReads, declared: list[str] | None) -> dict[str, Any]:
        """``$secrets`` for an ``input.from``: a token at each path the expression reads.

        A path read deeper than another makes the shorter one an object. When the expression
        reads ``$secrets`` otherwise (whole, or a computed key), each ``use.secrets`` name is a
        token too.
        """
        tree: dict[str, Any] = {}
        paths = list(reads.paths)
        if reads.whole:
            paths += [(name,) for name in declared or []]
        for path in sorted(paths, key=len, reverse=True):
            node = tree
            for key in path[:-1]:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
            node.setdefault(path[-1], self.mint({"secret": list(path)}))
        return tree

    def authorization(
        self,
        policy: Any,
        sites: list[SecretSite],
        scope: Mapping[str, Any] | None,
    ) -> dict[str, str] | None:
        """``$authorization`` of an evaluated ``basic``/``bearer`` policy.

        ``scheme`` is the real one; ``parameter`` is the real one only when neither the policy's
        sites nor its values involve a secret, else a token standing for it.
        """
        scheme = secrets.authorization_scheme(policy)
        if scheme is None:
            return None
        policy_sites = [site for site in sites if site.path[:1] == ["authentication"]]
        inner = self.found_in(policy)
        if not policy_sites and not inner:
            parts = secrets.authorization_parts(policy)
            return None if parts is None else {"scheme": parts[0], "parameter": parts[1]}
        meaning = {
            "authorization": {
                "policy": policy,
                "sites": [dataclasses.asdict(site) for site in policy_sites],
                "scope": scope if policy_sites else None,
                "references": inner,
            }
        }
        return {"scheme": scheme, "parameter": self.mint(meaning)}

    def found_in(self, value: Any) -> dict[str, Any]:
        """The tokens of this run found in ``value``'s strings, with their meanings."""
        found: dict[str, Any] = {}
        if self.minted:
            for token in secrets.tokens_in(value):
                if token in self.minted:
                    found[token] = self.minted[token]
        return found

    def attach(self, request: Any) -> Any:
        """``request`` (an activity request dataclass) with a site for the tokens it holds."""
        if not self.minted or not dataclasses.is_dataclass(request):
            return request
        names = [f.name for f in dataclasses.fields(request)]
        if "secret_sites" not in names:
            return request
        fields = {
            name: getattr(request, name)
            for name in names
            if name not in ("secret_sites", "secret_scope")
        }
        found = self.found_in([fields, getattr(request, "secret_scope", None)])
        if not found:
            return request
        site = SecretSite(path=[], references=found)
        sites = [*getattr(request, "secret_sites"), site]  # noqa: B009 - checked above
        return dataclasses.replace(request, secret_sites=sites)  # type: ignore[type-var]


def _key(meaning: Mapping[str, Any]) -> str:
    return json.dumps(meaning, sort_keys=True, separators=(",", ":"), default=str)
