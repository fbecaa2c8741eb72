"""Timing helpers shared by the benchmarks: medians, p99s, peak memory."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


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
