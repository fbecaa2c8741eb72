"""Anonymous feedback by DM or /feedback give, unlinkable to its author (docs/design.md section 4; docs/privacy.md)."""

from bot.cogs.feedback._cog import FeedbackCog

__all__ = ["FeedbackCog"]
