"""Embed colours and builders, and the one place that knows Discord's size limits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord

MESSAGE_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
TITLE_LIMIT = 256
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
FOOTER_LIMIT = 2048


class Colour:
    INFO = discord.Colour(0x3366CC)
    SUCCESS = discord.Colour(0x14866D)
    WARNING = discord.Colour(0xFC3)
    DANGER = discord.Colour(0xD33)
    NEUTRAL = discord.Colour(0x72777D)


#: Markdown that user text must not switch on. Mentions may render (they never ping: every message goes out
#: with AllowedMentions.none()), so ``<`` and ``>`` stay as typed inside a line.
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\*_~`|[]"})
#: Headers, quotes and list markers at the start of a line.
_LINE_START = re.compile(r"(?m)^(\s*)([#>-])")


def escape(text: str | None) -> str:
    """User text shown as typed: every markdown character escaped (links, headers, quotes, emphasis)."""
    return _LINE_START.sub(r"\1\\\2", (text or "").translate(_MARKDOWN))


def plain(text: str | None, limit: int = 1000) -> str:
    """User text shown as typed, cut to ``limit`` characters."""
    return _cut(escape(text), limit)


def escaped_pieces(text: str | None, limit: int = DESCRIPTION_LIMIT) -> list[str]:
    """User text shown as typed, in pieces of at most ``limit`` characters (at line breaks where possible,
    never between a backslash and the character it escapes), so that none of it is lost."""
    pieces: list[str] = []
    current: str | None = None
    for line in escape(text).split("\n"):
        candidate = line if current is None else f"{current}\n{line}"
        if len(candidate) <= limit:
            current = candidate
            continue
        if current is not None:
            pieces.append(current)
        while len(line) > limit:
            # An odd run of backslashes at the cut would leave an escape's backslash without its character.
            cut = limit - 1 if _trailing_backslashes(line[:limit]) % 2 else limit
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current is not None:
        pieces.append(current)
    return pieces or [""]


def _trailing_backslashes(text: str) -> int:
    return len(text) - len(text.rstrip("\\"))


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


def make_embed(
    title: str | None = None,
    description: str | None = None,
    *,
    colour: discord.Colour = Colour.INFO,
    fields: Iterable[Field | tuple[str, str] | tuple[str, str, bool]] = (),
    footer: str | None = None,
    url: str | None = None,
) -> discord.Embed:
    """An embed whose every part is already within Discord's limits."""
    embed = discord.Embed(
        title=truncate(title, TITLE_LIMIT) if title else None,
        description=truncate(description, DESCRIPTION_LIMIT) if description else None,
        colour=colour,
        url=url,
    )
    for raw in list(fields)[:FIELDS_PER_EMBED]:
        field = raw if isinstance(raw, Field) else Field(*raw)
        embed.add_field(
            name=truncate(field.name or "\u200b", FIELD_NAME_LIMIT),
            value=truncate(field.value or "—", FIELD_VALUE_LIMIT),
            inline=field.inline,
        )
    if footer:
        embed.set_footer(text=truncate(footer, FOOTER_LIMIT))
    return embed


def pack_entries(entries: Sequence[str], *, limit: int = DESCRIPTION_LIMIT, separator: str = "\n") -> list[str]:
    """Group whole entries into blocks of at most ``limit`` characters, never cutting an entry in half
    (an entry longer than ``limit`` on its own is truncated)."""
    blocks: list[str] = []
    current = ""
    for entry in entries:
        entry = truncate(entry, limit)
        candidate = f"{current}{separator}{entry}" if current else entry
        if len(candidate) > limit:
            blocks.append(current)
            current = entry
        else:
            current = candidate
    if current:
        blocks.append(current)
    return blocks


def fit_message(embeds: Sequence[discord.Embed], *, notice: str, limit: int = EMBED_TOTAL_LIMIT) -> bool:
    """Make ``embeds``, sent together in one message, fit Discord's 6,000 characters across them: the longest
    texts (descriptions, field values) are shortened first, each to no less than a few lines, and ``notice``
    (which says where the rest can be read) goes into the last embed's footer. True when anything was cut.

    resources/message#embed-object-embed-limits: the sum of every title, description, field name and value,
    footer text and author name across a message's embeds must not exceed 6,000 characters."""
    excess = sum(len(e) for e in embeds) - limit
    if excess <= 0 or not embeds:
        return False
    last = embeds[-1]
    footer = f"{last.footer.text} · {notice}" if last.footer.text else notice
    excess += len(footer) - len(last.footer.text or "")
    while excess > 0:
        texts: list[tuple[int, discord.Embed, int | None]] = [(len(e.description or ""), e, None) for e in embeds]
        texts += [(len(f.value or ""), e, i) for e in embeds for i, f in enumerate(e.fields)]
        size, embed, index = max(texts, key=lambda item: item[0])
        if size <= _SHORTEST:
            break  # nothing left worth cutting (cannot happen within Discord's per-part limits)
        keep = max(size - excess, _SHORTEST)
        if index is None:
            embed.description = _cut(embed.description or "", keep)
        else:
            field = embed.fields[index]
            embed.set_field_at(index, name=field.name or "", value=_cut(field.value or "", keep), inline=field.inline)
        excess -= size - keep
    last.set_footer(text=truncate(footer, FOOTER_LIMIT))
    return True


#: No text is cut shorter than this by :func:`fit_message`.
_SHORTEST = 200


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters without leaving half of a markdown escape behind."""
    cut = truncate(text, limit)
    if cut != text:
        cut = cut[:-1].rstrip("\\") + "…"
    return cut


def group_embeds(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages: at most 10 per message and 6,000 characters across them."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        length = len(embed)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or size + length > EMBED_TOTAL_LIMIT):
            messages.append(current)
            current, size = [], 0
        current.append(embed)
        size += length
    if current:
        messages.append(current)
    return messages
