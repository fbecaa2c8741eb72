"""The DM side of anonymous feedback: a member writes to the bot, the bot answers with a preview.

Nothing is stored here: the feedback service turns the text into a draft in memory under a random token,
bound to a keyed hash of the member (never their id). Replies that Discord refuses because the member's
DMs are closed are remembered by the service, again by keyed hash only, so the next /feedback command in
the server can say so.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.app import PartnerBot
from bot.cogs.feedback._members import require_member
from bot.cogs.feedback._views import preview_embed, preview_view
from bot.errors import InvalidInput, PartnerBotError
from bot.i18n import t
from bot.services.feedback import looks_like_code
from bot.services.feedback.service import FeedbackService
from bot.ui.guard import UNSTORABLE, has_lone_surrogate
from bot.ui.respond import SEND_ERRORS, failure

log = logging.getLogger(__name__)

#: Discord's error code for "Cannot send messages to this user" (DMs closed, or the bot blocked).
DMS_CLOSED = 50007
# A DM that is only a retraction code as shown (four dash-joined groups of four), or the words of
# the slash command followed by a code. Requiring the dashes keeps a message such as "this isnt
# very good" or "internationalize" (all valid code characters) from being taken for a code.
_GROUPED = r"[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{4}){3}"
_RETRACT = re.compile(
    rf"^(?:(?:/?feedback\s+)?retract\s+(?:code\s*:\s*)?(?P<any>[0-9A-Za-z \-]+)|(?P<grouped>{_GROUPED}))$",
    re.IGNORECASE,
)


def retraction_code_in(text: str) -> str | None:
    match = _RETRACT.match(text.strip())
    if match is None:
        return None
    code = match["any"] or match["grouped"]
    # "Retract the new policy" is feedback, not a malformed code: only a valid code counts.
    return code if looks_like_code(code) else None


async def retract_reply(feedback: FeedbackService, code: str, locale: object, member_id: int) -> str:
    """The answer to a retraction code, by DM or ``/feedback retract`` (wrong codes are throttled by the
    service)."""
    try:
        result = await feedback.retract(code, member_id=member_id)
    except PartnerBotError as error:
        return t(locale, error.key, **error.params)
    return t(locale, "feedback.retracted.released" if result.was_released else "feedback.retracted")


async def handle_dm(
    message: discord.Message,
    feedback: FeedbackService,
    bot: PartnerBot,
) -> None:
    """Answer one DM: a preview with topic and Send/Cancel, or a plain explanation of why not (an author
    who is not a member of the server is refused)."""
    user_id = message.author.id
    locale = bot.user_locale(user_id)
    raw = message.content or ""
    try:
        if has_lone_surrogate(raw):
            # Text that could be neither shown nor stored: refused before anything is asked or counted.
            raise InvalidInput(UNSTORABLE)
        code = retraction_code_in(raw)
        if code is not None:
            await send(feedback, message.channel, user_id, content=await retract_reply(feedback, code, locale, user_id))
            return
        try:
            access = await bot.fetch_access(user_id)
        except SEND_ERRORS as error:
            log.warning("could not check the membership of a feedback DM's author: %s", type(error).__name__)
            await send(feedback, message.channel, user_id, content=t(locale, "feedback.member_check_failed"))
            return
        require_member(bot, access, locale)
        token, draft = feedback.new_draft(user_id, raw, attachments=bool(message.attachments))
    except PartnerBotError as error:
        await send(feedback, message.channel, user_id, content=t(locale, error.key, **error.params))
        return
    shown = await send(
        feedback,
        message.channel,
        user_id,
        embed=preview_embed(locale, draft),
        view=preview_view(token, draft.topic, locale),
    )
    if not shown:
        feedback.drop_draft(token, user_id)


async def send(feedback: FeedbackService, channel: discord.abc.Messageable, member_id: int, **kwargs: Any) -> bool:
    """Send to the member's DM; False (and remembered for the server) when Discord refuses."""
    try:
        await channel.send(allowed_mentions=discord.AllowedMentions.none(), **kwargs)
    except SEND_ERRORS as error:
        if isinstance(error, discord.HTTPException) and (error.status == 403 or error.code == DMS_CLOSED):
            feedback.dm_closed(member_id)
        log.info("could not answer a feedback DM (%s)", failure(error))
        return False
    return True
