"""How every Temporal dev server we start keeps its state in a SQLite file."""

from __future__ import annotations

from pathlib import Path

SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=full")
"""Write-ahead log, fsynced at every commit (ADR 0043).

As durable as SQLite's default rollback journal: a committed transaction survives a power
cut. But a transaction costs one fsync instead of several, and every Temporal transaction
waits on this one file, which made that fsync pattern the limit of the whole stack."""


def file_store_args(db_file: Path) -> list[str]:
    """``temporal server start-dev`` arguments that keep its state in ``db_file``."""
    args = ["--db-filename", str(db_file)]
    for pragma in SQLITE_PRAGMAS:
        args += ["--sqlite-pragma", pragma]
    return args
