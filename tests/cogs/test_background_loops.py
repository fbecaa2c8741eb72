"""Every cog's real background loop outlives an unexpected error, and ends cleanly with its cog or the bot."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.background import BackgroundLoop
from bot.sim import Sim

#: The features with a background pass, and the extension that holds each.
FEATURES = {
    "leads": "Leads",
    "checklists": "Checklists",
    "feedback": "feedback",
    "updates": "UpdatesCog",
    "digest": "DigestCog",
}
#: Long enough for a slow, shared machine; a healthy loop passes many times within it.
WAIT = 5.0


def _loops(sim: Sim) -> dict[str, BackgroundLoop]:
    found = {}
    for cog in sim.bot.cogs.values():
        loop = getattr(cog, "loop", None)
        if isinstance(loop, BackgroundLoop):
            found[loop.feature] = loop
    return found


def _start_fast(sim: Sim, monkeypatch: pytest.MonkeyPatch, loop: BackgroundLoop) -> None:
    """Start the cog's loop as a real start would (bot/sim runs without background work), a pass every 10 ms."""
    monkeypatch.setattr(sim.bot, "background", True)
    loop.runner.change_interval(seconds=0.01)
    loop.start()
    task = loop.runner.get_task()
    # bot/sim (and settle()) treat tasks named pb-loop* as background work that never finishes.
    assert task is not None and task.get_name() == f"pb-loop-{loop.feature}"


def _loop_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("pb-loop") and not t.done()]


async def test_every_cog_with_a_pass_has_one_guarded_loop(sim: Sim) -> None:
    with_tick = {name for name, cog in sim.bot.cogs.items() if callable(getattr(cog, "tick", None))}
    loops = _loops(sim)
    assert set(loops) == set(FEATURES)
    assert len(with_tick) == len(loops)
    for loop in loops.values():
        assert loop.runner.minutes == 1 and loop.runner.seconds == 0
        # bot/sim starts the bot without background work and ticks by hand.
        assert not loop.runner.is_running()


@pytest.mark.parametrize("feature", FEATURES)
async def test_loop_logs_a_failed_pass_and_runs_the_next(
    sim: Sim, feature: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    loop = _loops(sim)[feature]
    cog = loop.cog
    real_tick = cog.tick
    calls = 0
    recovered = asyncio.Event()

    async def tick() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a row nobody expected")
        await real_tick()
        recovered.set()

    monkeypatch.setattr(cog, "tick", tick)
    caplog.set_level(logging.ERROR, logger="bot.background")
    _start_fast(sim, monkeypatch, loop)
    try:
        await asyncio.wait_for(recovered.wait(), WAIT)
        assert loop.runner.is_running() and not loop.runner.failed()
    finally:
        await loop.stop()
    assert not loop.runner.is_running() and _loop_tasks() == []

    (record,) = [r for r in caplog.records if r.name == "bot.background"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == f"{feature}: the background pass failed; trying again next minute"
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.parametrize("how", ["unload", "close"])
@pytest.mark.parametrize("feature", FEATURES)
async def test_unload_or_close_cancels_a_pass_in_flight(
    sim: Sim, feature: str, how: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    loop = _loops(sim)[feature]
    started = asyncio.Event()
    cancelled = False

    async def tick() -> None:
        nonlocal cancelled
        started.set()
        try:
            await asyncio.Event().wait()  # a pass that would never end by itself
        except asyncio.CancelledError:
            cancelled = True
            raise

    monkeypatch.setattr(loop.cog, "tick", tick)
    caplog.set_level(logging.WARNING, logger="bot.background")
    _start_fast(sim, monkeypatch, loop)
    try:
        await asyncio.wait_for(started.wait(), WAIT)
        task = loop.runner.get_task()
        assert task is not None
        if how == "unload":
            await sim.bot.remove_cog(FEATURES[feature])
        else:
            await sim.close()
    finally:
        await loop.stop()  # only does something when the unload or close above failed

    # The cog's unload waited for the pass to end: cancellation went through it, not around it.
    assert cancelled and task.cancelled()
    assert not loop.runner.is_running() and _loop_tasks() == []
    assert [r for r in caplog.records if r.name == "bot.background"] == []
