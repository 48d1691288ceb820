"""``python -m stigmer_cli``."""

from __future__ import annotations

from stigmer_cli.main import main

main()
