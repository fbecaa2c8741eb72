"""Posting a message exactly once, across restarts however late.

Discord drops a repeated nonce for a few minutes only. :func:`post_once` records the attempt before
sending (:mod:`bot.services.outbox`); when an earlier attempt was never recorded as done, it first looks for
the bot's message in the channel, and returns that instead of posting a second copy.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.ui.respond import SEND_ERRORS, failure

if TYPE_CHECKING:
    from bot.app import PartnerBot

log = logging.getLogger(__name__)

#: How many of the channel's messages are searched for an earlier copy.
HISTORY_LOOKBACK = 100

Matcher = Callable[[discord.Message], bool]


def same_embed(expected: discord.Embed) -> Matcher:
    """A message whose first embed has ``expected``'s title, description and footer. (Message history does
    not carry nonces: Discord returns a nonce only in the answer to the send.)"""
    want = (expected.title, expected.description, expected.footer.text)

    def matches(message: discord.Message) -> bool:
        if not message.embeds:
            return False
        got = message.embeds[0]
        return (got.title, got.description, got.footer.text) == want

    return matches


async def find_own(
    bot: PartnerBot, channel: discord.abc.Messageable, *, after: int | None, matches: Matcher
) -> discord.Message | None:
    """The bot's newest message in ``channel`` (after message ``after``, if given) that ``matches``."""
    me = bot.user
    found: discord.Message | None = None
    try:
        start = discord.Object(after) if after else None
        async for message in channel.history(limit=HISTORY_LOOKBACK, after=start, oldest_first=False):
            if me is not None and message.author.id == me.id and matches(message):
                found = message
                break
    except SEND_ERRORS as error:
        log.info("cannot read the channel history (%s); relying on the nonce", failure(error))
    return found


async def post_once(
    bot: PartnerBot,
    channel: discord.abc.Messageable,
    key: str,
    send: Callable[[], Awaitable[discord.Message | None]],
    *,
    matches: Matcher,
    after: int | None = None,
) -> discord.Message | None:
    """Send (``send``, which should use ``key`` as the nonce) unless an earlier attempt to post ``key``
    reached Discord, in which case that message is returned. The caller records the message, then calls
    :func:`bot.services.outbox.done`."""
    if await bot.services.outbox.begin(key):
        earlier = await find_own(bot, channel, after=after, matches=matches)
        if earlier is not None:
            log.info("%s was posted before a restart; keeping message %s", key, earlier.id)
            return earlier
    return await send()
