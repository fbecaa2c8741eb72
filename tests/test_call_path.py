"""Following one interaction through the code: `/lead add` goes cog -> service -> database -> ui and back,
and no module of the bot is entered again while a call of it is still under way (a module that calls
out and is called back is a tangle a reader has to hold in their head)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import Any

from bot.sim import Sim

BOT = Path(__file__).resolve().parents[1] / "bot"
#: The simulated Discord stands in for Discord, and logging can run at any depth.
OUTSIDE = (BOT / "sim", BOT / "logs.py")


def _module(frame: FrameType) -> str | None:
    path = Path(frame.f_code.co_filename)
    if not path.is_relative_to(BOT) or any(path == o or path.is_relative_to(o) for o in OUTSIDE):
        return None
    return path.relative_to(BOT.parent).as_posix()


def _stack(frame: FrameType | None) -> list[str]:
    """The bot's modules on the call stack, outermost first, a module's consecutive frames as one."""
    found: list[str] = []
    while frame is not None:
        module = _module(frame)
        if module is not None and (not found or found[-1] != module):
            found.append(module)
        frame = frame.f_back
    return found[::-1]


def _stop_profiling(conn: object) -> None:
    sys.setprofile(None)


async def test_lead_add_enters_each_module_once(sim_factory: Callable[..., Awaitable[Sim]]) -> None:
    tangles: set[tuple[str, ...]] = set()
    seen: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or _module(frame) is None:
            return
        stack = _stack(frame)
        if len(set(stack)) != len(stack):
            tangles.add(tuple(stack))
        if stack[-1] not in seen:
            seen.append(stack[-1])

    add = {"user": "dave", "level": "global", "direction": "external", "summary": "Hi"}
    # The database thread too (where the writes run), which is started with the bot.
    threading.setprofile(profile)
    try:
        sim = await sim_factory()
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    tangles.clear()
    seen.clear()
    sys.setprofile(profile)
    try:
        r = await sim.slash("lead add", partner="Europeana", **add)
        # The second meets the duplicate check, which reads the name index the service keeps.
        again = await sim.slash("lead add", partner="Europeana Foundation", **add)
    finally:
        sys.setprofile(None)
        for database in (sim.db, sim.db.feedback):
            if database is not None:
                await database.call(_stop_profiling)
    assert "Logged L-1: Europeana." in r.text
    assert again.reply is not None and again.reply.buttons[0] == "Log anyway"
    assert tangles == set(), "\n".join(" -> ".join(stack) for stack in sorted(tangles))
    # The path itself: the cog, the leads service, the database, and the cards drawn for Discord.
    for module in (
        "bot/cogs/leads/_cog.py",
        "bot/cogs/leads/_flow.py",
        "bot/services/leads/service.py",
        "bot/services/leads/names.py",
        "bot/services/leads/register.py",
        "bot/services/leads/steps.py",
        "bot/db/__init__.py",
        "bot/cogs/leads/_embeds.py",
    ):
        assert module in seen, module
