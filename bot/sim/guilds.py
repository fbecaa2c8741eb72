"""The REST routes about servers, their channels and roles that ``partnerbot setup`` calls.

Each handler follows the page of Discord's API documentation (discord-api-docs) named above it, as the
rest of bot/sim does. bot/sim simulates one guild in full; other servers the bot is in
(:attr:`SimServer.other_guilds`) are known by name only: the list of the bot's servers shows them, and the
routes below answer ``404 Unknown Guild`` for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.sim import rules
from bot.sim.faults import http_error
from bot.sim.models import clone

if TYPE_CHECKING:
    from bot.sim.server import SimServer

JsonDict = dict[str, Any]

ADMINISTRATOR = discord.Permissions(administrator=True).value
MANAGE_CHANNELS = discord.Permissions(manage_channels=True).value
MANAGE_ROLES = discord.Permissions(manage_roles=True).value
ALL = discord.Permissions.all().value


def bot_permissions(server: SimServer) -> int:
    """The bot's permissions in the guild: @everyone's and its role's together; Administrator is all
    (topics/permissions#permission-overwrites, the base permissions)."""
    value = int(server.everyone_permissions)
    if server.bot_role_id in server.roles.values():
        value |= int(server.role_permissions.get(server.bot_role_id, "0"))
    return ALL if value & ADMINISTRATOR else value


def _guild(server: SimServer, guild_id: str) -> None:
    if int(guild_id) != server.guild_id:
        raise http_error(404, "Unknown Guild", 10004)


def _require(server: SimServer, permission: int) -> None:
    if not bot_permissions(server) & permission:
        raise http_error(403, "Missing Permissions", 50013)


# resources/user#get-current-user-guilds: partial guilds (id, name, icon, banner, owner, permissions,
# features; approximate counts with ``with_counts``), sorted by id, paged with ``before``/``after``/``limit``
# (1-200, default 200).
def current_user_guilds(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> list[JsonDict]:
    guilds = [(server.guild_id, server.guild_name, bot_permissions(server))]
    guilds += [(guild_id, name, 0) for guild_id, name in server.other_guilds.items()]
    guilds.sort()
    if "after" in query:
        guilds = [g for g in guilds if g[0] > int(query["after"])]
    if "before" in query:
        guilds = [g for g in guilds if g[0] < int(query["before"])]
    limit = int(query.get("limit", 200))
    with_counts = str(query.get("with_counts", "0")).lower() in ("1", "true")
    found = []
    for guild_id, name, permissions in guilds[:limit]:
        partial: JsonDict = {
            "id": str(guild_id),
            "name": name,
            "icon": None,
            "banner": None,
            "owner": False,
            "permissions": str(permissions),
            "features": [],
        }
        if with_counts:
            members = sum(1 for u in server.users.values() if u.in_guild) + 1 if guild_id == server.guild_id else 1
            partial.update(approximate_member_count=members, approximate_presence_count=0)
        found.append(partial)
    return found


# resources/guild#get-guild-channels: the guild's channels, threads left out.
def guild_channels(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> list[JsonDict]:
    _guild(server, p["guild_id"])
    return [server.channel_payload(c) for c in server.channels.values() if c.type != 1 and not c.is_thread]


# resources/guild#get-guild-roles: every role, @everyone (whose id is the guild's) included.
def guild_roles(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> list[JsonDict]:
    _guild(server, p["guild_id"])
    return server.role_payloads()


# resources/guild#create-guild-channel: "Requires the MANAGE_CHANNELS permission. If setting permission
# overwrites, only permissions your bot has in the guild can be allowed/denied. Setting MANAGE_ROLES
# permission in channels is only possible for guild administrators." Name: 1-100 characters.
def create_channel(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    _guild(server, p["guild_id"])
    body = body or {}
    _require(server, MANAGE_CHANNELS)
    server.refuse(rules.channel_name_problems(body.get("name")))
    held = bot_permissions(server)
    overwrites = []
    for entry in body.get("permission_overwrites") or []:
        allow, deny = int(entry.get("allow") or 0), int(entry.get("deny") or 0)
        if (allow | deny) & ~held or ((allow | deny) & MANAGE_ROLES and not held & ADMINISTRATOR):
            raise http_error(403, "Missing Permissions", 50013)
        overwrites.append(
            {"id": str(entry["id"]), "type": int(entry.get("type") or 0), "allow": str(allow), "deny": str(deny)}
        )
    parent = body.get("parent_id")
    channel = server.add_channel(
        body["name"], type=int(body.get("type") or 0), parent_id=int(parent) if parent else None
    )
    channel.overwrites = overwrites
    data = server.channel_payload(channel)
    server.dispatch("channel_create", data)
    return data


# resources/guild#create-guild-role: "Requires the MANAGE_ROLES permission." JSON params: name (max 100
# characters, default "new role"), permissions (default @everyone's), color, hoist, mentionable.
def create_role(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    _guild(server, p["guild_id"])
    body = body or {}
    _require(server, MANAGE_ROLES)
    name = body.get("name", "new role")
    server.refuse(rules.role_name_problems(name))
    if name in server.roles:
        # Discord allows two roles of one name; bot/sim keeps its roles by name.
        raise NotImplementedError(f"bot/sim keeps one role per name, and {name!r} exists")
    permissions = body.get("permissions")
    role_id = server.add_role(
        name, permissions=server.everyone_permissions if permissions is None else str(permissions)
    )
    role = next(r for r in server.role_payloads() if r["id"] == str(role_id))
    server.dispatch("guild_role_create", {"guild_id": str(server.guild_id), "role": clone(role)})
    return role
