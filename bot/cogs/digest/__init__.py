"""``/digest``: the scheduled digest of the working group's activity, delivered exactly once."""

from bot.cogs.digest._cog import DigestCog

__all__ = ["DigestCog"]
