"""Checklists in threads (docs/design.md section 2)."""

from bot.cogs.checklists._cog import ChecklistsCog

__all__ = ["ChecklistsCog"]
