"""Discord rendering shared by every feature: replies, embeds within Discord's limits, views, errors."""

from bot.ui.respond import respond

__all__ = ["respond"]
