"""``/publish``: the register and the decisions on a MediaWiki wiki (only when ``wiki:`` is configured)."""

from __future__ import annotations

from bot.app import PartnerBot


async def setup(bot: PartnerBot) -> None:
    if bot.settings.wiki is None:
        return  # no wiki: no commands, no loop, nothing changes
    from bot.cogs.wiki._cog import WikiCog

    await bot.add_cog(WikiCog(bot, bot.settings.wiki))
