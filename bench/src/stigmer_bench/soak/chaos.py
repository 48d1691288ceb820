"""The chaos: every few seconds, SIGKILL a random replica and start it again."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from stigmer_bench.soak.fleet import Replica


@dataclass(frozen=True)
class Kill:
    """One SIGKILL and restart.

    Attributes:
        replica: Which replica.
        at_s: Seconds into the soak when it was killed.
        restart_s: How long it took to start again (a server: until SERVING).
    """

    replica: str
    at_s: float
    restart_s: float


async def chaos(
    victims: Sequence[Replica],
    rng: random.Random,
    every_s: tuple[float, float],
    max_kills: int | None,
    stop: asyncio.Event,
    started: float,
    last_kill: asyncio.Event | None = None,
) -> list[Kill]:
    """Kill and restart a replica drawn from ``victims`` every ``every_s`` (uniform) seconds.

    Args:
        victims: The replicas that may be killed.
        rng: Draws the pauses and the victims (seeded, so a run can be repeated).
        every_s: Bounds of the pause before each kill.
        max_kills: Stop after this many kills (``None``: until ``stop``).
        stop: Set when the soak's executions have all ended.
        started: ``time.monotonic()`` at the start of the soak.
        last_kill: Set as soon as the ``max_kills``-th victim is killed (before its restart).

    Returns:
        The kills, in order.
    """
    kills: list[Kill] = []
    while max_kills is None or len(kills) < max_kills:
        try:
            await asyncio.wait_for(stop.wait(), rng.uniform(*every_s))
            break
        except TimeoutError:
            pass
        victim = rng.choice(victims)
        at = time.monotonic()
        victim.kill()
        if last_kill is not None and len(kills) + 1 == max_kills:
            last_kill.set()
        await asyncio.to_thread(victim.start)
        kills.append(Kill(victim.name, round(at - started, 1), round(time.monotonic() - at, 1)))
    return kills
