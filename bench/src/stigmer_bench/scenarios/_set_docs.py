"""The documents of the throughput and task-overhead scenarios."""

from __future__ import annotations

from typing import Any

from stigmer_bench.api import document


def set_http_set_doc(url: str) -> dict[str, Any]:
    """``set -> call http -> set``."""
    return document(
        "bench-throughput",
        [
            {"prepare": {"set": {"id": 1}}},
            {"fetch": {"call": "http", "with": {"method": "get", "endpoint": url}}},
            {"keep": {"set": {"id": 1, "name": "${ .name }"}}},
        ],
    )


def set_chain_doc(length: int) -> dict[str, Any]:
    """``length`` ``set`` tasks, each incrementing a counter with jq."""
    return document(
        f"bench-chain-{length}",
        [{f"step{i}": {"set": {"n": "${ (.n // 0) + 1 }"}}} for i in range(length)],
    )
