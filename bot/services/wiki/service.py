"""Publishing on the wiki for one guild as one object: :class:`WikiService`, built once by the composition
root (:mod:`bot.compose`) with the database, the clock, the guild and its ``wiki:`` settings bound in (only
when ``wiki:`` is configured).

It owns what publishing keeps in memory: the lock that lets one run through at a time, and the latest
change seen to any lead with since when that change waits (to publish a few minutes after the first of
several changes in a row). Finding reviewers' display names is Discord's part: the cog hands over a
function that finds them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import WikiSettings
from bot.db import Database
from bot.services.base import GuildService
from bot.services.wiki import content
from bot.services.wiki.client import WikiError
from bot.services.wiki.publish import (
    ClientFactory,
    RunReport,
    Status,
    WikiTrouble,
    change_mark,
    pages_changed,
    schedule_due,
    wiki_client,
)
from bot.services.wiki.publish import failing as read_failing
from bot.services.wiki.publish import publish as publish_run
from bot.services.wiki.publish import status as read_status
from bot.services.wiki.publish import titles as page_titles
from bot.services.wiki.publish import trouble as read_trouble

#: Finds the reviewers' names (:data:`content.Names`) when a run needs them; may raise :class:`WikiError`.
FindNames = Callable[[], Awaitable[content.Names]]


class WikiService(GuildService[WikiSettings]):
    """Write the register of public leads and the decisions log to the wiki, and say how that went."""

    def __init__(
        self,
        db: Database,
        guild_id: int,
        settings: WikiSettings,
        clock: Clock,
        *,
        fallback_locale: str | None = None,
        client: ClientFactory = wiki_client,
    ) -> None:
        super().__init__(db, guild_id, settings, clock)
        self.fallback_locale = fallback_locale
        self.client = client
        self._lock = asyncio.Lock()
        #: The latest lead event seen, and since when a change waits to be published.
        self._mark: int | None = None
        self._pending_since: datetime | None = None

    @property
    def locale(self) -> str:
        """The pages' language: ``wiki.locale``, else the config's ``locale``, else English (not the
        server's own language, which ``partnerbot publish`` cannot know: both must write the same text)."""
        return self.settings.locale or self.fallback_locale or "en"

    @property
    def debounce(self) -> timedelta:
        return timedelta(minutes=self.settings.debounce_minutes)

    def titles(self) -> dict[str, str]:
        """Each page's title, by key (``register``, ``decisions``)."""
        return page_titles(self.settings)

    # -- when to publish --------------------------------------------------------------------------
    async def due(self) -> str | None:
        """Why the pages may need publishing now: ``schedule`` when ``wiki.schedule`` fired since the latest
        run, ``change`` once ``wiki.debounce_minutes`` passed since the first change to a lead since the
        last look (then the change no longer waits), else None. Call it on every pass: it notices changes."""
        now = self.clock()
        mark = await change_mark(self.db, self.guild_id)
        if self._mark is not None and mark != self._mark and self._pending_since is None:
            self._pending_since = now
        self._mark = mark
        if await schedule_due(self.db, self.guild_id, self.settings, now=now):
            return "schedule"
        if self._pending_since is not None and now - self._pending_since >= self.debounce:
            self._pending_since = None
            return "change"
        return None

    async def changed(self, names: content.Names = None) -> bool:
        """Whether either page's block differs from what the bot last wrote (no wiki call needed)."""
        return await pages_changed(self.db, self.guild_id, self.locale, names)

    # -- publishing -------------------------------------------------------------------------------
    async def publish(
        self,
        names: FindNames | None = None,
        *,
        overwrite: bool = False,
        dry_run: bool = False,
        record_failure: bool = True,
    ) -> RunReport:
        """One run (:func:`bot.services.wiki.publish.publish`), one at a time: never raises for anything the
        wiki does. With ``names``, it is asked for the reviewers' names first; a :class:`WikiError` from it
        fails the run."""
        async with self._lock:
            try:
                found = await names() if names is not None else None
            except WikiError as error:
                return RunReport(pages=(), failure=str(error), dry_run=dry_run)
            return await publish_run(
                self.db, self.guild_id, self.settings, locale=self.locale, now=self.clock(), names=found,
                dry_run=dry_run, overwrite=overwrite, client=self.client, record_failure=record_failure,
            )  # fmt: skip

    # -- reading ----------------------------------------------------------------------------------
    async def reviewer_ids(self) -> set[int]:
        """Everyone who voted in a decision the decisions log lists."""
        return {r for d in await content.decisions(self.db, self.guild_id) for r in d.reviewers}

    async def status(self) -> Status:
        return await read_status(self.db, self.guild_id)

    async def trouble(self) -> WikiTrouble | None:
        """What the digest says about publishing (failing, pages edited by hand), None when all is well."""
        return await read_trouble(self.db, self.guild_id)

    async def failing(self) -> tuple[datetime, str] | None:
        return await read_failing(self.db, self.guild_id)
