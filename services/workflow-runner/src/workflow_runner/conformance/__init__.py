"""Conformance tooling: the CTK step bindings, the loopback stub and the report command.

``main()`` runs the conformance test suite (``services/workflow-runner/tests/conformance``) with
pytest on a Temporal dev server and prints pass/fail per CTK feature/scenario, sdk-go case and
example, with totals.
"""

from __future__ import annotations

from workflow_runner.conformance.report import main

__all__ = ["main"]
