"""Terminal rendering of what the bot sent: embeds as titled blocks, components as [buttons]."""

from __future__ import annotations

from typing import Any

from bot.sim.models import SimMessage, SimModal

BAR = "│ "


def render_embed(embed: dict[str, Any]) -> list[str]:
    lines = []
    title = embed.get("title")
    lines.append(f"┌─ {title}" if title else "┌─")
    if embed.get("description"):
        lines += [BAR + line for line in str(embed["description"]).splitlines()]
    for field in embed.get("fields") or []:
        value = str(field.get("value", "")).splitlines() or [""]
        lines.append(f"{BAR}▸ {field.get('name', '')}: {value[0]}")
        lines += [f"{BAR}    {line}" for line in value[1:]]
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        lines.append(f"{BAR}— {footer}")
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
                options = " | ".join(o.get("value", "") for o in comp.get("options") or [])
                placeholder = comp.get("placeholder") or "choose"
                parts.append(f"{{{placeholder}: {options}}}")
        if parts:
            lines.append(" ".join(parts))
    return lines


def render_message(message: SimMessage, where: str, *, edited: bool = False) -> str:
    head = f"── {where}" + (" (edited)" if edited else "") + (" (private)" if message.ephemeral else "")
    lines = [head]
    if message.content:
        lines += message.content.splitlines()
    for embed in message.embeds:
        lines += render_embed(embed)
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
