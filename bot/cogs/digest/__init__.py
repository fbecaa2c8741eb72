"""``/digest``: the scheduled digest of the working group's activity, delivered exactly once."""

from __future__ import annotations

from bot.app import PartnerBot


async def setup(bot: PartnerBot) -> None:
    from bot.cogs.digest._cog import DigestCog

    await bot.add_cog(DigestCog(bot))
