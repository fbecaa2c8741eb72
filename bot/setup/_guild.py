"""The wizard's Discord side, on discord.py's own REST client (``discord.http.HTTPClient``), so the same
calls go to Discord and, in tests, to bot/sim: the bot's servers, one server's channels and roles, what
the bot may do there, and creating what is missing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import discord
from discord.http import HTTPClient

from bot.services import audience
from bot.setup._names import Named, sorted_by_name

MANAGE_CHANNELS = discord.Permissions(manage_channels=True).value
MANAGE_ROLES = discord.Permissions(manage_roles=True).value
#: The channels a feature can post in and open threads under: text and announcement channels.
TEXT_TYPES = (0, 5)
#: resources/user#get-current-user-guilds: at most 200 a page.
GUILDS_PAGE = 200
REASON = "partnerbot setup"


@dataclass(frozen=True)
class Server:
    """A server the bot is in, as the list of its servers shows it."""

    id: int
    name: str
    owner: bool = False

    @property
    def named(self) -> Named:
        return Named(self.id, self.name)


@dataclass(frozen=True)
class GuildState:
    """One server as setup needs it."""

    id: int
    name: str
    bot_id: int
    bot_name: str
    #: Text and announcement channels, by name.
    channels: tuple[Named, ...]
    #: The roles a member can be given (not @everyone, not a bot's or an integration's own), by name.
    roles: tuple[Named, ...]
    #: The bot's permissions in the server (its roles', @everyone's; everything for an administrator).
    permissions: int
    #: The role Discord made for the bot when it joined (None: it has none, so overwrites name the bot).
    bot_role_id: int | None
    #: Every role, @everyone included, with its permissions; each channel's overwrites.
    all_roles: Mapping[int, audience.Role]
    overwrites: Mapping[int, tuple[audience.Overwrite, ...]]
    bot_role_ids: frozenset[int]

    def may_create(self, kind: str) -> bool:
        return bool(self.permissions & (MANAGE_CHANNELS if kind == "channel" else MANAGE_ROLES))

    def bot(self) -> str:
        """The bot as the channel permissions screen lists it: its own role, else itself."""
        if self.bot_role_id is not None:
            return f'the bot\'s role "{self.role_name(self.bot_role_id)}"'
        return f'the bot ("{self.bot_name}")'

    def role_name(self, role_id: int) -> str:
        role = self.all_roles.get(role_id)
        return role.name if role is not None else str(role_id)


async def list_servers(http: HTTPClient) -> list[Server]:
    """Every server the bot is in (GET /users/@me/guilds, a page at a time)."""
    found: list[Server] = []
    after: int | None = None
    while True:
        page: list[Any] = await http.get_guilds(GUILDS_PAGE, after=after, with_counts=False)
        found += [Server(int(g["id"]), g["name"], bool(g.get("owner"))) for g in page]
        if len(page) < GUILDS_PAGE:
            return found
        after = int(page[-1]["id"])


async def load(http: HTTPClient, server: Server, bot_id: int, bot_name: str) -> GuildState:
    """The server's channels and roles, and what the bot may do there (from its own member's roles)."""
    channels: list[Any] = await http.get_all_guild_channels(server.id)
    roles: list[Any] = await http.get_roles(server.id)
    member: Any = await http.get_member(server.id, bot_id)
    all_roles = {int(r["id"]): audience.Role(int(r["id"]), r["name"], int(r["permissions"])) for r in roles}
    bot_roles = [int(r["id"]) for r in roles if str((r.get("tags") or {}).get("bot_id")) == str(bot_id)]
    held = frozenset(int(r) for r in member.get("roles") or ())
    view = audience.Server(server.id, 0, all_roles, frozenset(), bot_id)
    permissions = audience.ALL if server.owner else audience.permissions(view, _bare(), held)
    return GuildState(
        id=server.id,
        name=server.name,
        bot_id=bot_id,
        bot_name=bot_name,
        channels=tuple(sorted_by_name(Named(int(c["id"]), c["name"]) for c in channels if c["type"] in TEXT_TYPES)),
        roles=tuple(
            sorted_by_name(
                Named(int(r["id"]), r["name"]) for r in roles if int(r["id"]) != server.id and not r.get("managed")
            )
        ),
        permissions=permissions,
        bot_role_id=bot_roles[0] if bot_roles else None,
        all_roles=all_roles,
        overwrites={int(c["id"]): tuple(_overwrites(c.get("permission_overwrites") or ())) for c in channels},
        bot_role_ids=frozenset(bot_roles) | (held - {server.id}),
    )


def _bare() -> audience.Channel:
    """A channel with no overwrites: the server-wide permissions."""
    return audience.Channel("", 0, "")


def _overwrites(raw: Iterable[Any]) -> Iterable[audience.Overwrite]:
    for o in raw:
        yield audience.Overwrite(int(o["id"]), int(o["type"]) == 1, int(o.get("allow") or 0), int(o.get("deny") or 0))


async def create_role(http: HTTPClient, state: GuildState, name: str) -> Named:
    """A role that grants nothing by itself: its channels' overwrites give it what it reads."""
    role: Any = await http.create_role(state.id, reason=REASON, name=name, permissions="0", mentionable=False)
    return Named(int(role["id"]), role["name"])


async def create_channel(http: HTTPClient, state: GuildState, name: str, readers: Iterable[int] | None) -> Named:
    """A text channel; with ``readers`` (role ids), private to them and the bot: @everyone may not view it
    (topics/permissions#permission-overwrites)."""
    overwrites: list[dict[str, Any]] = []
    if readers is not None:
        view = str(audience.VIEW_CHANNEL)
        overwrites.append({"id": str(state.id), "type": 0, "allow": "0", "deny": view})
        for role_id in dict.fromkeys([*readers, state.bot_role_id]):
            if role_id is not None:
                overwrites.append({"id": str(role_id), "type": 0, "allow": view, "deny": "0"})
        if state.bot_role_id is None:
            overwrites.append({"id": str(state.bot_id), "type": 1, "allow": view, "deny": "0"})
    channel: Any = await http.create_channel(
        state.id, discord.ChannelType.text.value, reason=REASON, name=name, permission_overwrites=overwrites
    )
    return Named(int(channel["id"]), channel["name"])


def exposures(state: GuildState, key: str, channel: Named, insiders: Iterable[int]) -> list[audience.Exposure]:
    """Who besides the working group can read an existing channel meant to be private (member overwrites
    left to the running bot's check, which can look the members up)."""
    server = audience.Server(
        id=state.id,
        owner_id=0,
        roles=state.all_roles,
        insiders=frozenset(insiders) | state.bot_role_ids,
        bot_id=state.bot_id,
        bot_role_ids=state.bot_role_ids,
    )
    target = audience.Channel(key, channel.id, channel.name, state.overwrites.get(channel.id, ()))
    return [e for e in audience.exposures(server, target) if e.problem is not audience.Problem.MEMBER]
