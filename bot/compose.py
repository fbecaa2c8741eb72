"""The composition root: the one place where the bot, its services and its cogs are built.

The CLI, the sandbox and bot/sim all start the bot through :func:`create_bot`. The features it runs are
listed once, in :func:`features`."""

from __future__ import annotations

from collections.abc import Iterable

from discord.ext import commands

from bot import heap
from bot.app import PartnerBot
from bot.clock import Clock, system_clock
from bot.cogs.about import AboutCog
from bot.cogs.checklists import ChecklistsCog
from bot.cogs.digest import DigestCog
from bot.cogs.feedback import FeedbackCog
from bot.cogs.leads import LeadsCog
from bot.cogs.updates import UpdatesCog
from bot.cogs.wiki import WikiCog
from bot.config import Settings
from bot.db import Database
from bot.internals import decode_lone_surrogates
from bot.services.registry import build_services


def features(bot: PartnerBot) -> Iterable[commands.Cog]:
    """Every feature's cog, built on ``bot``. The wiki's only when ``wiki:`` is configured: without it
    there is no ``/publish``, no loop, and nothing changes."""
    yield AboutCog(bot)
    yield LeadsCog(bot, bot.services.leads, bot.services.review, bot.services.checklists)
    yield ChecklistsCog(bot, bot.services.checklists, bot.services.leads)
    yield UpdatesCog(bot, bot.services.updates)
    yield DigestCog(bot, bot.services.digest)
    yield FeedbackCog(bot, bot.services.feedback)
    if bot.services.wiki is not None:  # built when ``bot.settings.wiki`` is set
        yield WikiCog(bot, bot.services.wiki)


def create_bot(settings: Settings, db: Database, *, clock: Clock = system_clock, background: bool = True) -> PartnerBot:
    """Build the bot, not started."""
    heap.keep_full_collections_short()
    decode_lone_surrogates()
    services = build_services(db, settings, clock)
    return PartnerBot(settings, db, services, features=features, clock=clock, background=background)
