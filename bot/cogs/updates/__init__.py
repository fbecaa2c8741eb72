"""``/update``: working-group updates posted to the announcements channel."""

from bot.cogs.updates._cog import UpdatesCog

__all__ = ["UpdatesCog"]
