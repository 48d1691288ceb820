"""``python -m stigmer_bench``: see :mod:`stigmer_bench.cli`."""

from __future__ import annotations

from stigmer_bench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
