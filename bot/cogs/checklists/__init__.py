"""Checklists in threads (DESIGN.md section 2)."""

from __future__ import annotations

from bot.app import PartnerBot
from bot.cogs.checklists._cog import ChecklistsCog


async def setup(bot: PartnerBot) -> None:
    await bot.add_cog(ChecklistsCog(bot))
