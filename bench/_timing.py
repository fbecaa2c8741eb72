"""Timing helpers shared by the benchmarks: medians, p99s, peak memory, event-loop stalls, and the moment
the bot first answered each interaction."""

from __future__ import annotations

import asyncio
import contextvars
import resource
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from discord.ext.test import factories
from discord.webhook.async_ import AsyncWebhookAdapter


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


class LoopStalls:
    """The longest the event loop went without running anything else, while in use (``with``).

    A 1 ms timer ticks on the loop and keeps the largest gap between two ticks: every member waiting for
    the bot waited at least that long for nothing. The ticker is a chain of ``loop.call_later`` callbacks
    (what a task sleeping 1 ms amounts to) rather than a task, because bot/sim's ``settle`` waits for
    every task to finish and would wait for this one forever.
    """

    def __init__(self, period: float = 0.001) -> None:
        self.period = period
        self.worst_s = 0.0
        self._last = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None

    @property
    def worst_ms(self) -> float:
        return round(self.worst_s * 1000, 3)

    def _tick(self) -> None:
        assert self._loop is not None
        now = self._loop.time()
        self.worst_s = max(self.worst_s, now - self._last)
        self._last = now
        self._handle = self._loop.call_later(self.period, self._tick)

    def __enter__(self) -> LoopStalls:
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()
        self._handle = self._loop.call_later(self.period, self._tick)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._loop is not None and self._handle is not None
        self._handle.cancel()
        self.worst_s = max(self.worst_s, self._loop.time() - self._last)  # a stall still under way counts


#: Which delivery the code running now serves: set around a ``sim.slash``/``sim.click``; the tasks
#: discord.py starts for that interaction inherit it (asyncio copies the context into every new task).
_delivery: contextvars.ContextVar[int | None] = contextvars.ContextVar("bench_delivery", default=None)


@dataclass
class FirstResponses:
    """When each interaction was delivered and when the bot's first response to it (reply, deferral,
    modal, update) was accepted, on the loop's clock, for interactions delivered through :meth:`deliver`.

    Observed at discord.py's own door for interaction callbacks
    (``AsyncWebhookAdapter.create_interaction_response``), so it does not depend on how bot/sim answers
    HTTP requests. Use as a context manager around the deliveries.
    """

    delivered: dict[int, float] = field(default_factory=dict)
    answered: dict[int, float] = field(default_factory=dict)
    _original: Any = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, key: int, action: Callable[[], Awaitable[Any]]) -> Any:
        """Run ``action`` (one ``sim.slash``, ``sim.click``...) as delivery ``key``."""
        token = _delivery.set(key)
        try:
            self.delivered[key] = asyncio.get_running_loop().time()
            return await action()
        finally:
            _delivery.reset(token)

    async def wait_answered(self, count: int, timeout: float) -> bool:
        """Wait (cheaply: no task watching) until ``count`` deliveries have been answered; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.answered) < count:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                return False
        return True

    def latency_ms(self, key: int) -> float | None:
        """Milliseconds from delivery to first response, None when it was never answered."""
        if key not in self.answered:
            return None
        return (self.answered[key] - self.delivered[key]) * 1000

    def __enter__(self) -> FirstResponses:
        original = AsyncWebhookAdapter.create_interaction_response
        answered, changed = self.answered, self._changed

        async def create_interaction_response(adapter: AsyncWebhookAdapter, *args: Any, **kwargs: Any) -> Any:
            response = await original(adapter, *args, **kwargs)
            key = _delivery.get()
            if key is not None and key not in answered:
                answered[key] = asyncio.get_running_loop().time()
                changed.set()
            return response

        self._original = original
        AsyncWebhookAdapter.create_interaction_response = create_interaction_response  # type: ignore[assignment,method-assign]
        return self

    def __exit__(self, *_exc: object) -> None:
        AsyncWebhookAdapter.create_interaction_response = self._original  # type: ignore[method-assign]


async def at_once(
    sim: Any,
    actions: Sequence[Callable[[], Awaitable[Any]]],
    *,
    firsts: FirstResponses | None = None,
    timeout: float = 60.0,
) -> None:
    """Deliver what every action sends (``sim.slash``, ``sim.click``, ``sim.dm``...) in the same moment,
    then wait until the bot has finished with all of it.

    Each of those calls hands its payload to discord.py's parser in its first step, then waits for the
    tasks started after it. Hundreds of such waits at once would each watch every task, and that
    bookkeeping (which Discord does not do) would swamp what the bot does. So once everything has been
    delivered, those waits are cancelled (the bot's own tasks run on); with ``firsts``, the first
    responses are then awaited without watching any task; and one ``sim.settle()`` waits for the rest.
    What the actions would have returned is lost: look at what the bot sent instead. Something the
    simulator had not delivered in that first step would go unanswered, and the caller's checks say so.
    """

    async def plain(_key: int, action: Callable[[], Awaitable[Any]]) -> Any:
        return await action()

    deliver = firsts.deliver if firsts is not None else plain
    waits = [asyncio.ensure_future(deliver(key, action)) for key, action in enumerate(actions)]
    await asyncio.sleep(0)  # every wait above runs its first step, delivering its payload
    for wait in waits:
        wait.cancel()
    outcomes = await asyncio.gather(*waits, return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, asyncio.CancelledError)]
    if failed:
        raise failed[0]
    if firsts is not None:
        await firsts.wait_answered(len(actions), timeout)
    await sim.settle()


def p99(samples: list[float]) -> float:
    """The 99th percentile as :class:`Timing` computes it."""
    return Timing("p99", samples).p99
