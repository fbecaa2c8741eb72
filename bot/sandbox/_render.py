"""Terminal rendering of what the bot sent, as a member's Discord client shows it: embeds as titled blocks,
components as [buttons], mentions as @names, links with where they lead, files with their size, and
Discord timestamps as UTC dates worded in the member's language (with Babel, as a client words them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.i18n.dates import format_relative, format_stamp, format_when
from bot.sim.models import SimMessage, SimModal
from bot.sim.server import SimServer

BAR = "│ "

Readable = Callable[[str], str]

_MARKUP = re.compile(r"<(@!?|@&|#)(\d+)>|<t:(-?\d+)(?::([tTdDfFR]))?>")
#: A masked link, ``[text](url)`` (the text may hold escaped brackets), and a bare one.
_MASKED = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(<?(https?://[^\s()<>]+)>?\)")
_BARE = re.compile(r"(?<![(<\w])https?://[^\s()<>]+")
_JUMP = re.compile(r"https://(?:\w+\.)?discord(?:app)?\.com/channels/(\d+)/(\d+)(?:/(\d+))?")
#: Markdown's backslash escapes (``discord.utils.escape_markdown``): a client shows the character alone.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def relative(when: datetime, now: datetime, locale: object = "en-US") -> str:
    """``<t:...:R>`` as a client shows it: "in 3 days", "2 hours ago", "hace 2 horas"."""
    return format_relative(when, now, locale)


def file_size(size: int) -> str:
    """An attachment's size as a client labels it: 288 bytes, 12.4 KB, 3.1 MB."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def readable(
    server: SimServer, now: Callable[[], datetime], locale: Callable[[], object] = lambda: "en-US"
) -> Readable:
    """Replace ``<@id>``, ``<@&id>``, ``<#id>``, ``<t:unix:style>`` and links with what a Discord client shows.

    ``<t:...:R>`` is worded against ``now()`` when the text is printed: a Discord client words it against
    its reader's clock at the moment they read it, so a digest that said "logged 1 hour ago" when it was
    posted says "logged 10 days ago" when the channel is shown ten days later, as it would to a member
    scrolling back. The sandbox's "now" is its clock (moved by ``wait``), and every line is printed as
    read at that moment; ``show`` heads each message with when it was posted, so both times are in sight.
    Stamps are worded in the language of ``locale()``, the current member's Discord language."""
    role_names = {role_id: name for name, role_id in server.roles.items()}

    def one(match: re.Match[str]) -> str:
        kind, ident, unix, style = match.groups()
        if unix is not None:
            when = datetime.fromtimestamp(int(unix), UTC)
            if style == "R":
                return relative(when, now(), locale())
            return format_stamp(when, style, locale())
        number = int(ident)
        if kind == "@&":
            return f"@{role_names.get(number, 'role')}"
        if kind == "#":
            channel = server.channels.get(number)
            return f"#{channel.name}" if channel is not None else "#?"
        user = server.users.get(number)
        if user is not None:
            return f"@{user.name}"
        return "@bot" if number == server.bot_user_id else "@?"

    def target(url: str) -> str:
        """Where a link leads: a link to a message of the server reads as a client shows it."""
        jump = _JUMP.fullmatch(url)
        if jump is None or int(jump.group(1)) != server.guild_id:
            return url
        channel = server.channels.get(int(jump.group(2)))
        place = f"#{channel.name}" if channel is not None else "#unknown"
        if jump.group(3) is None:
            return place
        return f"{place} › message" if int(jump.group(3)) in server.messages else f"{place} › deleted message"

    def masked(match: re.Match[str]) -> str:
        return f"{match.group(1)} ({target(match.group(2))})"

    def text(value: str) -> str:
        value = _MASKED.sub(masked, value)
        value = _BARE.sub(lambda m: target(m.group(0)), value)
        return _ESCAPED.sub(r"\1", _MARKUP.sub(one, value))

    return text


def _plain(text: str) -> str:
    return text


def render_embed(embed: dict[str, Any], text: Readable = _plain, locale: object = "en-US") -> list[str]:
    lines = []
    title = text(str(embed.get("title") or ""))
    if embed.get("url"):
        # A client shows the title as a link: the sandbox says where it leads.
        url = text(str(embed["url"]))
        title = f"{title} ({url})" if title else url
    lines.append(f"┌─ {title}" if title else "┌─")
    if embed.get("description"):
        lines += [BAR + line for line in text(str(embed["description"])).splitlines()]
    for field in embed.get("fields") or []:
        value = text(str(field.get("value", ""))).splitlines() or [""]
        lines.append(f"{BAR}▸ {text(str(field.get('name', '')))}: {value[0]}")
        lines += [f"{BAR}    {line}" for line in value[1:]]
    footer = [text(str((embed.get("footer") or {}).get("text") or ""))]
    if embed.get("timestamp"):
        # A client prints the embed's timestamp after its footer.
        footer.append(format_when(datetime.fromisoformat(str(embed["timestamp"])).astimezone(UTC), locale))
    if any(footer):
        lines.append(f"{BAR}— {' · '.join(part for part in footer if part)}")
    lines.append("└─")
    return lines


def render_components(message: SimMessage) -> list[str]:
    lines = []
    for row in message.components:
        parts = []
        for comp in row.get("components") or [row]:
            if comp.get("type") == 2:
                label = comp.get("label") or comp.get("custom_id") or "?"
                parts.append(f"[{label}]" + (" (disabled)" if comp.get("disabled") else ""))
            elif comp.get("type") in (3, 5, 6, 7, 8):
                # The chosen option, as a client shows it in the closed menu, is marked with a star.
                options = " | ".join(
                    f"{o.get('value', '')}{'*' if o.get('default') else ''}" for o in comp.get("options") or []
                )
                placeholder = comp.get("placeholder") or "choose"
                parts.append(f"{{{placeholder}: {options}}}")
        if parts:
            lines.append(" ".join(parts))
    return lines


def posted_at(message: SimMessage, locale: object = "en-US") -> str:
    """When a message was sent, as its head shows it in ``show``."""
    return format_when(datetime.fromisoformat(str(message.data["timestamp"])).astimezone(UTC), locale)


def render_message(
    message: SimMessage,
    where: str,
    *,
    edited: bool = False,
    author: str | None = None,
    text: Readable = _plain,
    dated: bool = False,
    locale: object = "en-US",
) -> str:
    """``author`` names a member who wrote the message (None: the bot wrote it); ``dated`` adds when it was
    posted (as a client shows beside each message) to the head."""
    head = (
        f"── {where}" + (f" · {author} wrote" if author else "") + (f" · {posted_at(message, locale)}" if dated else "")
    )
    head += (" (edited)" if edited else "") + (" (private)" if message.ephemeral else "")
    lines = [head]
    if message.content:
        lines += text(message.content).splitlines()
    for embed in message.embeds:
        lines += render_embed(embed, text, locale)
    for attachment in message.data.get("attachments") or []:
        # What Discord lists under the message (the files it holds, kept through edits): name and size.
        lines.append(f"📎 {attachment.get('filename', '?')} ({file_size(int(attachment.get('size') or 0))})")
    lines += render_components(message)
    return "\n".join(lines)


def render_modal(modal: SimModal) -> str:
    lines = [f"── modal: {modal.title}"]
    for field in modal.fields:
        limits = []
        if field.required:
            limits.append("required")
        if field.max_length:
            limits.append(f"at most {field.max_length}")
        lines.append(f"  {field.custom_id} ({field.label}{', ' + ', '.join(limits) if limits else ''})")
    example = " ".join(f'{f.custom_id}:"..."' for f in modal.fields[:2])
    lines.append(f"  fill it with: modal {example}")
    return "\n".join(lines)
