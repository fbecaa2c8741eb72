"""What the simulated Discord held, kept beside a ``--database`` file so the next run finds it again.

The database keeps the bot's own records; Discord keeps the messages. A sandbox restarted on a kept database
but an empty server would show an empty #leads and review cards nobody can press, so the server's threads,
DM channels and messages go in ``<database stem>.sandbox.json`` when the sandbox closes and come back before
the bot starts. Ephemeral replies are not kept: a Discord client loses them on reload too. The file holds
what Discord would hold, DMs included (feedback drafts as their writers typed them), as the database's
neighbour and under the same care.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sim import ids
from bot.sim.models import SimChannel, SimMessage
from bot.sim.server import SimServer

FORMAT = 1


def kept_path(database: Path) -> Path:
    """``data/try.db`` -> ``data/try.sandbox.json`` (beside it, as ``try.feedback.db`` is)."""
    return database.with_name(f"{database.stem}.sandbox.json")


@dataclass(frozen=True)
class Restored:
    messages: int
    places: int  # channels, threads and DMs with messages in them


def save(server: SimServer, path: Path) -> None:
    channels = []
    for channel in server.channels.values():
        channels.append(
            {
                "id": channel.id,
                "name": channel.name,
                "type": channel.type,
                "parent_id": channel.parent_id,
                "archived": channel.archived,
                "locked": channel.locked,
                "recipient_id": channel.recipient_id,
                "owner_id": channel.owner_id,
                "starter_message_id": channel.starter_message_id,
                "member_ids": sorted(channel.member_ids),
                "created_at": channel.created_at,
                "messages": [_message(m) for m in channel.messages if not m.ephemeral],
            }
        )
    document = {"format": FORMAT, "guild_id": server.guild_id, "channels": channels}
    temporary = path.with_name(path.name + ".tmp")
    # ASCII JSON: a lone surrogate in a member's text (which UTF-8 cannot encode) travels as an escape.
    temporary.write_text(json.dumps(document), encoding="utf-8")
    os.replace(temporary, path)  # a run stopped half-way through writing leaves the last good copy


def _message(message: SimMessage) -> dict[str, Any]:
    files = [[name, base64.b64encode(data).decode("ascii")] for name, data in message.attachments]
    return {"data": message.data, "files": files}


def restore(server: SimServer, database: Path) -> Restored | None:
    """Put back what :func:`save` kept beside ``database`` (before the bot starts, so it meets its threads
    as on a READY). None when there is nothing to restore: no database yet (what is beside it belongs to
    an earlier sandbox, and is replaced when this one closes), no file, or one from another server."""
    if not database.exists():
        return None
    try:
        document = json.loads(kept_path(database).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if document.get("format") != FORMAT or document.get("guild_id") != server.guild_id:
        return None
    restored: list[SimMessage] = []
    places = 0
    for saved in document["channels"]:
        channel = server.channels.get(saved["id"])
        if channel is None:
            channel = SimChannel(id=saved["id"], name=saved["name"], type=saved["type"])
            server.channels[channel.id] = channel
        channel.name = saved["name"]
        channel.parent_id = saved["parent_id"]
        channel.archived = saved["archived"]
        channel.locked = saved["locked"]
        channel.recipient_id = saved["recipient_id"]
        channel.owner_id = saved["owner_id"]
        channel.starter_message_id = saved["starter_message_id"]
        channel.member_ids = set(saved["member_ids"])
        channel.created_at = saved["created_at"] or channel.created_at
        if channel.type == 1 and channel.recipient_id in server.users:
            server.users[channel.recipient_id].dm_channel_id = channel.id
        channel.messages = [
            SimMessage(m["data"], attachments=[(name, base64.b64decode(data)) for name, data in m["files"]])
            for m in saved["messages"]
        ]
        restored += channel.messages
        places += bool(channel.messages)
    for message in sorted(restored, key=lambda m: m.id):
        server.messages[message.id] = message
    ids.make_ids_after(max([*(m.id for m in restored), *server.channels]))
    return Restored(len(restored), places)
