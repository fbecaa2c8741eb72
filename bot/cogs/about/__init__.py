"""`/about`: what the bot is, its version, and the commands the caller may use."""

from bot.cogs.about._cog import AboutCog

__all__ = ["AboutCog"]
