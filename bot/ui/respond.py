"""One way to answer an interaction: the first response if none was sent yet, else a follow-up."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
import discord

from bot.ui.embeds import truncate

NO_PINGS = discord.AllowedMentions.none()
#: What a call to Discord can fail with: an HTTP error (403, 404, 429 given up on, 5xx), a timeout, or
#: the connection itself. Callers that must not lose data catch exactly these.
SEND_ERRORS = (discord.HTTPException, TimeoutError, aiohttp.ClientError, ConnectionError)


def failure(error: BaseException) -> str:
    """A failed Discord call in a few words for the log: the HTTP status and code, or the network error."""
    if isinstance(error, discord.HTTPException):
        return f"HTTP {error.status}, code {error.code}"
    return type(error).__name__


async def respond(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: Sequence[discord.Embed] = (),
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    ephemeral: bool = True,
) -> None:
    """Answer ``interaction`` once, privately by default, never pinging anyone."""
    all_embeds = [embed] if embed is not None else list(embeds)
    kwargs: dict = {"ephemeral": ephemeral, "allowed_mentions": NO_PINGS}
    if content is not None:
        kwargs["content"] = truncate(content, 2000)
    if all_embeds:
        kwargs["embeds"] = all_embeds[:10]
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)
