"""``/update``: working-group updates posted to the announcements channel."""

from __future__ import annotations

from bot.app import PartnerBot


async def setup(bot: PartnerBot) -> None:
    from bot.cogs.updates._cog import UpdatesCog

    await bot.add_cog(UpdatesCog(bot))
