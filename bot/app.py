"""The Bot: built by :func:`create_bot`, started by the CLI or bot/sim. ``setup_hook`` loads every cog,
registers persistent items and syncs the command tree to the configured guild."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import discord
from discord.ext import commands

from bot import heap
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.db import Database
from bot.i18n import language_of, t
from bot.i18n.translator import CatalogTranslator
from bot.internals import routed
from bot.services.access import Access, access_of
from bot.services.registry import Services
from bot.ui.errors import PartnerTree
from bot.ui.respond import SEND_ERRORS, failure, respond

log = logging.getLogger(__name__)

#: ``Interaction.extras`` key: set when no live view, modal or persistent item takes the interaction.
UNROUTED = "pb_unrouted"


#: Builds the feature cogs of a bot, called once from ``setup_hook`` (see :mod:`bot.compose`).
Features = Callable[["PartnerBot"], Iterable[commands.Cog]]


class PartnerBot(commands.Bot):
    """The partnerships bot. Holds the settings, the database and the clock; features live in cogs."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        services: Services,
        *,
        features: Features = lambda bot: (),
        clock: Clock = system_clock,
        background: bool = True,
        **options: Any,
    ):
        intents = discord.Intents.default()
        intents.message_content = False
        intents.members = False
        intents.presences = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=PartnerTree,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.db = db
        #: Every feature's service (see :mod:`bot.services.registry`), built by the composition root.
        self.services = services
        self.features = features
        self.clock = clock
        #: Whether cogs run their background loops. bot/sim turns them off and calls ``tick()`` itself.
        self.background = background
        self._reviewer_count: tuple[datetime, int] | None = None
        self._heap_set_aside = False
        #: Locale of each user's last interaction: DMs answer in that language. In memory only, on purpose:
        #: a stored (member, time) pair would sit beside anonymous feedback sent at that time.
        self.user_locales: dict[int, str] = {}
        self.persistent_items: list[type[discord.ui.DynamicItem[Any]]] = []

    # -- start-up ---------------------------------------------------------------------------------
    async def on_ready(self) -> None:
        # What start-up built (caches, discord.py's state, the loaded register) lives as long as the bot.
        # Once: READY comes again after a reconnect, and the state it replaced is garbage by then.
        if not self._heap_set_aside:
            self._heap_set_aside = True
            heap.freeze_now()

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogTranslator())
        for cog in self.features(self):
            await self.add_cog(cog)
        await self.sync_commands()

    def register_persistent(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Called by cogs from ``cog_load``: DynamicItems that must work after a restart."""
        self.persistent_items.extend(items)
        self.add_dynamic_items(*items)

    async def sync_commands(self) -> list[discord.app_commands.AppCommand]:
        """Sync the commands to the configured guild. Only commands that must also work in DMs
        (``allowed_contexts`` with ``dm_channel``, e.g. ``/feedback``) stay global: Discord offers
        guild commands only inside that guild."""
        guild = self.home
        for command in self.tree.get_commands():
            contexts = command.allowed_contexts
            if contexts is not None and contexts.dm_channel:
                continue
            self.tree.remove_command(command.name)
            self.tree.add_command(command, guild=guild)
        synced = await self.tree.sync(guild=guild)
        synced += await self.tree.sync()
        log.info("synced %d commands to guild %s (DM-capable ones globally)", len(synced), guild.id)
        return synced

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if event_name == "interaction" and args and isinstance(args[0], discord.Interaction):
            # Decided now: discord.py has just routed the interaction and no handler has run yet. Later, a
            # view that answered and stopped would look just like one that never existed.
            args[0].extras[UNROUTED] = not routed(self, args[0])
        super().dispatch(event_name, *args, **kwargs)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.user_locales[interaction.user.id] = str(interaction.locale.value)
        if interaction.extras.get(UNROUTED):
            await self._expired(interaction)

    async def _expired(self, interaction: discord.Interaction) -> None:
        """Buttons or a form whose short-lived view is gone (a restart, a timeout): say so instead of
        leaving Discord to show "This interaction failed"."""
        form = interaction.type is discord.InteractionType.modal_submit
        text = t(interaction.locale, "error.form_expired" if form else "error.buttons_expired")
        try:
            await respond(interaction, text)
        except (discord.HTTPException, discord.InteractionResponded) as error:
            log.warning("could not answer a press on an expired view (%s)", type(error).__name__)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.db.close()
            heap.release_frozen()

    # -- roles and places -------------------------------------------------------------------------
    @property
    def home(self) -> discord.Object:
        """The configured server, as the snowflake discord.py's calls take."""
        return discord.Object(id=self.settings.guild_id)

    def home_guild(self) -> discord.Guild | None:
        """The configured server from discord.py's cache (None before READY, or when the bot is not in it)."""
        return self.get_guild(self.settings.guild_id)

    def access(self, user: discord.abc.User | discord.Member) -> Access:
        """What ``user`` may do, per the role matrix of docs/design.md."""
        if isinstance(user, discord.Member) and user.guild.id == self.settings.guild_id:
            return access_of([r.id for r in user.roles], self.settings)
        return Access.NONE

    async def reviewer_count(self) -> int | None:
        """How many members hold the reviewers role, asked of Discord at most once a minute (None when
        Discord cannot say). Counting role members needs no privileged intent: the guild's role member
        counts (GET /guilds/{guild.id}/roles/member-counts) come without the member list."""
        now = self.clock()
        cached = self._reviewer_count
        if cached is not None and (now - cached[0]).total_seconds() < 60:
            return cached[1]
        route = discord.http.Route("GET", "/guilds/{guild_id}/roles/member-counts", guild_id=self.settings.guild_id)
        try:
            counts = await self.http.request(route)
        except SEND_ERRORS as error:
            log.info("cannot count the reviewers (%s)", failure(error))
            return cached[1] if cached is not None else None
        count = int(counts.get(str(self.settings.roles.reviewers), 0))
        self._reviewer_count = (now, count)
        return count

    def cached_access(self, user_id: int) -> Access | None:
        """Access of a user from the guild's member cache, without asking Discord; None when not cached."""
        guild = self.home_guild()
        member = guild.get_member(user_id) if guild is not None else None
        return access_of([r.id for r in member.roles], self.settings) if member is not None else None

    async def fetch_access(self, user_id: int) -> Access:
        """Access of a user seen outside the guild (in a DM): asks Discord for their membership."""
        guild = self.home_guild()
        try:
            if guild is not None:
                member = guild.get_member(user_id) or await guild.fetch_member(user_id)
            else:
                raw = await self.http.get_member(self.settings.guild_id, user_id)
                return access_of([int(r) for r in raw.get("roles", [])], self.settings)
        except discord.NotFound:
            return Access.NONE
        return access_of([r.id for r in member.roles], self.settings)

    def guild_locale(self) -> str:
        """Language for posts to channels: the configured ``locale``, else the guild's, else English."""
        if self.settings.locale:
            return self.settings.locale
        guild = self.home_guild()
        if guild is not None and guild.preferred_locale:
            return language_of(guild.preferred_locale)
        return "en"

    def user_locale(self, user_id: int) -> str:
        """Language for a DM: the user's last interaction locale, else the server's."""
        return self.user_locales.get(user_id) or self.guild_locale()

    async def channel(self, name: str) -> discord.abc.Messageable:
        """The configured channel ``name`` (``leads``, ``checklists``, ``announcements``, ``digest``)."""
        channel_id: int = getattr(self.settings.channels, name)
        channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
        return channel  # type: ignore[return-value]

    def dynamic_items(self) -> Iterable[type[discord.ui.DynamicItem[Any]]]:
        return tuple(self.persistent_items)
