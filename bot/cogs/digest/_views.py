"""The digest as Discord messages: sections packed into embeds, embeds grouped into messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord
from babel.dates import format_datetime

from bot.i18n import language_of, t, tn
from bot.services.digest import DigestRun, RenderedDigest
from bot.ui.embeds import Colour, group_embeds, make_embed, pack_entries

#: Entries per embed description: small enough that two full embeds share a message (6,000 in all).
BLOCK_LIMIT = 2800

SECTION_COLOURS = {
    "new_leads": Colour.INFO,
    "moves": Colour.INFO,
    "reviews": Colour.WARNING,
    "checklists": Colour.SUCCESS,
    "updates": Colour.NEUTRAL,
    "feedback": Colour.NEUTRAL,
    "attention": Colour.DANGER,
}

Payload = dict[str, Any]


def build_parts(rendered: RenderedDigest, locale: str) -> list[Payload]:
    """The messages of one digest, as JSON-ready payloads stored before anything is sent.

    Every message starts with the digest's header and its part number: readers see where a long
    digest continues, and a resend finds the part already in the channel by that exact line.
    """
    if rendered.quiet:
        return [{"content": rendered.header, "embeds": []}]
    embeds: list[discord.Embed] = []
    for section in rendered.sections:
        for index, block in enumerate(pack_entries(section.entries, limit=BLOCK_LIMIT)):
            title = section.title if index == 0 else t(locale, "digest.continued", title=section.title)
            embeds.append(make_embed(title, block, colour=SECTION_COLOURS.get(section.key, Colour.INFO)))
    groups = group_embeds(embeds)
    return [
        {"content": rendered.with_part(locale, number, len(groups)), "embeds": [e.to_dict() for e in group]}
        for number, group in enumerate(groups, 1)
    ]


def message_kwargs(payload: Payload) -> dict[str, Any]:
    """``channel.send`` arguments for a stored part."""
    return {
        "content": payload.get("content") or None,
        "embeds": [discord.Embed.from_dict(e) for e in payload.get("embeds") or []],
    }


def local_text(when: datetime, timezone: str, locale: object) -> str:
    """``when`` on the configured zone's wall clock, in the reader's language."""
    return format_datetime(when.astimezone(ZoneInfo(timezone)), "EEEE d MMMM y, HH:mm", locale=language_of(locale))


def problem_text(status: int | None, locale: object) -> str:
    if status == 403:
        return t(locale, "digest.problem.forbidden")
    if status == 404:
        return t(locale, "digest.problem.missing")
    if status == 429:
        return t(locale, "digest.problem.rate_limited")
    if not status:
        return t(locale, "digest.problem.timeout")
    return t(locale, "digest.problem.error", status=status)


def next_text(
    *,
    due: datetime,
    start: datetime,
    timezone: str,
    locale: object,
    pending: DigestRun | None,
    channel_id: int,
) -> str:
    """``/digest next``: when, in the configured zone and as a timestamp; any delivery trouble."""
    unix = int(due.timestamp())
    lines = [
        t(
            locale,
            "digest.next",
            local=local_text(due, timezone, locale),
            zone=timezone,
            stamp=f"<t:{unix}:f>",
            relative=f"<t:{unix}:R>",
            start=f"<t:{int(start.timestamp())}:f>",
        )
    ]
    if pending is not None:
        lines.append(
            tn(
                locale,
                "digest.next_pending",
                len(pending.parts),
                start=f"<t:{int(pending.period_start.timestamp())}:f>",
                end=f"<t:{int(pending.period_end.timestamp())}:f>",
                sent=len(pending.message_ids),
                total=len(pending.parts),
            )
        )
        if pending.last_error is not None:
            lines.append(
                t(
                    locale,
                    "digest.channel_problem",
                    channel=f"<#{channel_id}>",
                    problem=problem_text(pending.last_error, locale),
                )
            )
    return "\n".join(lines)
