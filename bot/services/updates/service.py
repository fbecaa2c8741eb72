"""The updates of one guild as one object: :class:`UpdatesService`, built once by the composition root
(:mod:`bot.compose`) with the database, the clock, the guild and its settings bound in.

It owns what posting keeps in memory: the lock that lets one post through at a time (so the tick and a
modal never post the same update twice) and which failing posts and threads were already logged (so a
failing channel is not logged every minute). The cog does the Discord part and calls its methods.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import UpdateSettings
from bot.db import Database
from bot.services.base import GuildService
from bot.services.outbox import Outbox
from bot.services.updates import store
from bot.services.updates.model import Update, check_area

#: How long the tick keeps trying to open a discussion thread under a posted update.
THREAD_RETRY = timedelta(days=7)


class UpdatesService(GuildService[UpdateSettings]):
    """Store, read and keep track of the posting of the working group's updates in one guild."""

    def __init__(self, db: Database, guild_id: int, settings: UpdateSettings, clock: Clock, outbox: Outbox) -> None:
        super().__init__(db, guild_id, settings, clock)
        #: Where the attempt to post an update is forgotten once the post is recorded.
        self.outbox = outbox
        #: One post at a time: hold it from reading whether an update is posted until it is recorded.
        self.posting = asyncio.Lock()
        #: Failures already logged: an update's id for its post, minus the id for its thread.
        self._logged: set[int] = set()

    # -- settings ---------------------------------------------------------------------------------
    @property
    def areas(self) -> tuple[str, ...]:
        return self.settings.areas

    @property
    def discussion_threads(self) -> bool:
        return self.settings.discussion_threads

    def check_area(self, area: str | None) -> str | None:
        """The configured spelling of ``area``, None for none; :class:`InvalidInput` for an unknown one."""
        return check_area(area, self.settings.areas)

    # -- writing ----------------------------------------------------------------------------------
    async def create(self, *, title: str, body: str, link: str | None, area: str | None, author_id: int) -> Update:
        """Validate and store an update, not yet posted (nothing is written when a field is refused)."""
        return await store.create_update(
            self.db, self.guild_id, title=title, body=body, link=link, area=area, areas=self.settings.areas,
            author_id=author_id, now=self.clock(),
        )  # fmt: skip

    @staticmethod
    def post_key(update_id: int) -> str:
        """The post's nonce, and its key in the outbox (:mod:`bot.services.outbox`)."""
        return f"pb-update-{update_id}"

    async def mark_posted(self, update_id: int, *, channel_id: int, message_id: int) -> None:
        """Record the message that carries the update, then forget the attempt to post it."""
        self._logged.discard(update_id)
        await store.mark_posted(
            self.db, self.guild_id, update_id, channel_id=channel_id, message_id=message_id, now=self.clock()
        )
        await self.outbox.done(self.post_key(update_id))

    async def mark_thread(self, update_id: int, *, thread_id: int) -> None:
        await store.mark_thread(self.db, self.guild_id, update_id, thread_id=thread_id)

    # -- reading ----------------------------------------------------------------------------------
    async def get(self, update_id: int) -> Update:
        return await store.get_update(self.db, self.guild_id, update_id)

    async def latest(self, limit: int = 10) -> list[Update]:
        """The latest updates, newest first."""
        return await store.list_updates(self.db, self.guild_id, limit=limit)

    async def unposted(self) -> list[Update]:
        """Updates whose post Discord has not accepted yet, oldest first."""
        return await store.unposted(self.db, self.guild_id)

    async def missing_threads(self) -> list[Update]:
        """Updates posted within :data:`THREAD_RETRY` whose discussion thread is not open yet."""
        return await store.missing_threads(self.db, self.guild_id, since=self.clock() - THREAD_RETRY)

    async def posted_between(self, start: datetime, end: datetime) -> list[Update]:
        """Updates Discord accepted in ``[start, end)``, oldest first (the digest's feed)."""
        return await store.posted_between(self.db, self.guild_id, start, end)

    # -- failures ---------------------------------------------------------------------------------
    def first_failure(self, update_id: int, what: str) -> bool:
        """Note that the ``post`` or the ``thread`` of an update failed. True the first time, until the
        post goes through: only that one is worth a warning."""
        key = update_id if what == "post" else -update_id
        if key in self._logged:
            return False
        self._logged.add(key)
        return True
