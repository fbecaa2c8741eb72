"""Terminal rendering of what the bot sent: embeds as titled blocks, components as [buttons], mentions as
@names and Discord timestamps as UTC dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.sim.models import SimMessage, SimModal
from bot.sim.server import SimServer

BAR = "│ "

Readable = Callable[[str], str]

_MARKUP = re.compile(r"<(@!?|@&|#)(\d+)>|<t:(-?\d+)(?::([tTdDfFR]))?>")
_STAMP_FORMATS = {"t": "%H:%M", "T": "%H:%M:%S", "d": "%d %b %Y", "D": "%d %b %Y"}


def relative(when: datetime, now: datetime) -> str:
    """``<t:...:R>`` as a client shows it: "in 3 days", "2 hours ago"."""
    seconds = (when - now).total_seconds()
    size = abs(seconds)
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length:
            count = round(size / length)
            amount = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {amount}" if seconds > 0 else f"{amount} ago"
    return "now"


def readable(server: SimServer, now: Callable[[], datetime]) -> Readable:
    """Replace ``<@id>``, ``<@&id>``, ``<#id>`` and ``<t:unix:style>`` with what a Discord client shows."""
    role_names = {role_id: name for name, role_id in server.roles.items()}

    def one(match: re.Match[str]) -> str:
        kind, ident, unix, style = match.groups()
        if unix is not None:
            when = datetime.fromtimestamp(int(unix), UTC)
            if style == "R":
                return relative(when, now())
            return when.strftime(_STAMP_FORMATS.get(style or "f", "%a %d %b %Y %H:%M UTC"))
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

    return lambda text: _MARKUP.sub(one, text)


def _plain(text: str) -> str:
    return text


def render_embed(embed: dict[str, Any], text: Readable = _plain) -> list[str]:
    lines = []
    title = embed.get("title")
    lines.append(f"┌─ {text(str(title))}" if title else "┌─")
    if embed.get("description"):
        lines += [BAR + line for line in text(str(embed["description"])).splitlines()]
    for field in embed.get("fields") or []:
        value = text(str(field.get("value", ""))).splitlines() or [""]
        lines.append(f"{BAR}▸ {text(str(field.get('name', '')))}: {value[0]}")
        lines += [f"{BAR}    {line}" for line in value[1:]]
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        lines.append(f"{BAR}— {text(str(footer))}")
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


def render_message(
    message: SimMessage, where: str, *, edited: bool = False, author: str | None = None, text: Readable = _plain
) -> str:
    """``author`` names a member who wrote the message (None: the bot wrote it)."""
    head = f"── {where}" + (f" · {author} wrote" if author else "")
    head += (" (edited)" if edited else "") + (" (private)" if message.ephemeral else "")
    lines = [head]
    if message.content:
        lines += text(message.content).splitlines()
    for embed in message.embeds:
        lines += render_embed(embed, text)
    for name, data in message.attachments:
        lines.append(f"📎 {name} ({len(data)} bytes)")
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
