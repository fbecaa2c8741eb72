"""``/publish``: the register and the decisions on a MediaWiki wiki (only when ``wiki:`` is configured)."""

from bot.cogs.wiki._cog import WikiCog

__all__ = ["WikiCog"]
