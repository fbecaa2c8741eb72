"""``BackgroundLoop``: a cog's once-a-minute background pass, which logs a failure and carries on."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from discord.ext import tasks

if TYPE_CHECKING:
    from bot.app import PartnerBot

log = logging.getLogger(__name__)

#: How long unloading waits for a cancelled pass to end before going on without it.
STOP_TIMEOUT = 10.0


class Ticking(Protocol):
    """A cog with a background pass: ``tick()`` does one pass (tests and bot/sim call it directly)."""

    @property
    def bot(self) -> PartnerBot: ...

    async def tick(self) -> None: ...


class BackgroundLoop:
    """Runs ``cog.tick()`` once a minute, after the bot is ready, for as long as the cog is loaded.

    A cog builds one in ``__init__``, calls :meth:`start` from ``cog_load`` and :meth:`stop` from
    ``cog_unload``. ``tasks.Loop`` ends for good on the first exception outside its reconnect set, so the
    guard sits inside the coroutine it runs: a bad row or a network blip costs one pass, not the feature.
    Cancellation (unload, shutdown) still propagates.
    """

    def __init__(self, cog: Ticking, feature: str) -> None:
        self.cog = cog
        self.feature = feature
        #: The discord.py loop itself. Its name starts with ``pb-loop``: bot/sim treats those as background.
        self.runner: tasks.Loop = tasks.loop(minutes=1, name=f"pb-loop-{feature}")(self._pass)
        self.runner.before_loop(self._wait_until_ready)

    def start(self) -> None:
        """Start the loop, unless the bot runs without background work (bot/sim calls ``tick()`` itself)."""
        if self.cog.bot.background and not self.runner.is_running():
            self.runner.start()

    async def stop(self) -> None:
        """Cancel the loop and wait for a pass in flight to end, so none outlives the cog or the database."""
        task = self.runner.get_task()
        self.runner.cancel()
        if task is None or task is asyncio.current_task():
            return
        await asyncio.wait([task], timeout=STOP_TIMEOUT)
        if not task.done():
            log.warning("%s: the background pass did not stop within %.0f seconds", self.feature, STOP_TIMEOUT)

    async def _wait_until_ready(self) -> None:
        await self.cog.bot.wait_until_ready()

    async def _pass(self) -> None:
        try:
            await self.cog.tick()
        except Exception:
            log.exception("%s: the background pass failed; trying again next minute", self.feature)
