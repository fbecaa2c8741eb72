"""Timing helpers shared by the benchmarks: medians, p99s, peak memory."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from discord.ext.test import factories


@dataclass
class Timing:
    name: str
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


@contextmanager
def guild_id_for_next_server(guild_id: int) -> Iterator[None]:
    """Give the next simulated server ``guild_id`` (its first id), so a bot started on a database seeded
    earlier finds its leads: the seeded rows carry the guild id of the server they were seeded for."""
    original = factories.make_id
    pending = [guild_id]

    def make_id() -> int:
        return pending.pop() if pending else original()

    factories.make_id = make_id
    try:
        yield
    finally:
        factories.make_id = original


async def measure(name: str, action: Callable[[int], Awaitable[object]], runs: int, warmup: int = 5) -> Timing:
    """Run ``action(i)`` ``warmup`` times unmeasured, then ``runs`` times, each timed in milliseconds."""
    for i in range(warmup):
        await action(-1 - i)
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        await action(i)
        samples.append((time.perf_counter() - start) * 1000)
    return Timing(name, samples)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
