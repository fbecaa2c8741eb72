"""Anonymous feedback by DM or /feedback give, unlinkable to its author (DESIGN.md section 4)."""

from bot.cogs.feedback._cog import FeedbackCog

__all__ = ["FeedbackCog"]
