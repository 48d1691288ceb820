"""``python -m workflow_runner.conformance``."""

from __future__ import annotations

from workflow_runner.conformance.report import main

raise SystemExit(main())
