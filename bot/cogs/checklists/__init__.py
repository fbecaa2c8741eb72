"""Checklists in threads (DESIGN.md section 2)."""

from bot.cogs.checklists._cog import ChecklistsCog

__all__ = ["ChecklistsCog"]
