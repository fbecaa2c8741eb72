"""The leads register: `/lead ...`, lead and review cards in the leads channel, the review buttons."""

from bot.cogs.leads._cog import LeadsCog

__all__ = ["LeadsCog"]
