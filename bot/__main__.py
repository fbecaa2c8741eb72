"""The composition root: config -> logging -> database -> Bot -> run. Nothing else builds these."""

from __future__ import annotations

import asyncio
import logging
import sys

import discord

from bot.app import create_bot
from bot.config import Settings
from bot.db import DatabaseTooNew, open_database
from bot.logs import setup_logging

log = logging.getLogger("bot")


async def _run(settings: Settings, token: str) -> int:
    try:
        db = await open_database(settings.database)
    except DatabaseTooNew as error:
        print(str(error), file=sys.stderr)
        return 2
    bot = create_bot(settings, db)
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        print(f"Discord rejected the token in {settings.token_env}: check it in the developer portal.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("Discord refused the intents this bot asked for.", file=sys.stderr)
        return 2
    finally:
        if not bot.is_closed():
            await bot.close()
    return 0


def run_bot(settings: Settings, token: str) -> int:
    """Start the bot and block until it stops. Returns the process exit status."""
    setup_logging(settings.log_dir, settings.log_level)
    log.info("starting for guild %s", settings.guild_id)
    try:
        return asyncio.run(_run(settings, token))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    from bot.cli import main

    sys.exit(main())
