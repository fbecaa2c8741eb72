"""What every feature's service is built with (see :mod:`bot.services.registry`)."""

from __future__ import annotations

from typing import Generic, TypeVar

from bot.clock import Clock
from bot.db import Database

SettingsT = TypeVar("SettingsT")


class GuildService(Generic[SettingsT]):
    """A feature of one guild: the database, the guild, the feature's section of the settings and the
    clock, bound in once so that no caller passes them again."""

    def __init__(self, db: Database, guild_id: int, settings: SettingsT, clock: Clock) -> None:
        self.db = db
        self.guild_id = guild_id
        self.settings = settings
        self.clock = clock
