"""Anonymous feedback by DM or /feedback give, unlinkable to its author (DESIGN.md section 4)."""

from __future__ import annotations

from bot.app import PartnerBot


async def setup(bot: PartnerBot) -> None:
    from bot.cogs.feedback._cog import FeedbackCog

    await bot.add_cog(FeedbackCog(bot))
