"""The simulated Discord server: guild state, message store, faults, and the entry for the REST routes the
bot calls (answered by :mod:`bot.sim.routes`).

Requests arrive here through :class:`bot.sim.http.SimSession`, the aiohttp session under discord.py's REST
client and webhook adapter (interaction responses and follow-ups), exactly as discord.py sends them to
Discord; a request that breaks one of Discord's documented rules (:mod:`bot.sim.rules`) is refused as
Discord would refuse it. Changes the real Discord would announce over the gateway (a thread
created, a member's message) are fed to the bot's own ``ConnectionState`` parsers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord.ext.test import factories

from bot.sim import routes, rules
from bot.sim.faults import Fault, FaultKind, http_error
from bot.sim.guild_payloads import EVERYONE_PERMS, GuildPayloads, now_iso
from bot.sim.models import InteractionRecord, SimChannel, SimMessage, SimUser, clone
from bot.sim.webhooks import InteractionWebhooks

JsonDict = dict[str, Any]

ADMINISTRATOR = str(discord.Permissions.all().value)
VIEW_CHANNEL = discord.Permissions(view_channel=True).value


class SimServer(GuildPayloads):
    """One guild with its roles, channels, threads, members, DMs and every message sent. The payloads
    describing it are built by :class:`bot.sim.guild_payloads.GuildPayloads`; the REST routes the bot calls
    are answered by :mod:`bot.sim.routes`."""

    def __init__(
        self,
        *,
        guild_name: str = "Partnerships sandbox",
        locale: str = "en-US",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.guild_id = factories.make_id()
        self.application_id = factories.make_id()
        self.bot_user_id = self.application_id
        self.guild_name = guild_name
        self.preferred_locale = locale
        self.roles: dict[str, int] = {}
        #: Each role's permissions (topics/permissions#role-object: a string of bits); @everyone's is
        #: :attr:`everyone_permissions` (its role id is the guild's id).
        self.role_permissions: dict[int, str] = {}
        self.everyone_permissions = EVERYONE_PERMS
        self.users: dict[int, SimUser] = {}
        self.channels: dict[int, SimChannel] = {}
        self.messages: dict[int, SimMessage] = {}
        self.faults: list[Fault] = []
        self.interactions: dict[str, InteractionRecord] = {}
        self.guild_commands: list[JsonDict] = []
        self.global_commands: list[JsonDict] = []
        self.requests: list[str] = []
        #: Every rule of Discord's the bot broke, in words naming the rule (see :meth:`refuse`).
        self.violations: list[str] = []
        #: Server time, for rules measured in minutes (nonces): the bot's clock in tests, so they can
        #: let minutes pass without waiting.
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        #: When each nonce was first seen, per channel.
        self.nonces: dict[tuple[int, str], tuple[datetime, SimMessage]] = {}
        self.state: Any = None  # the bot's ConnectionState, set on each (re)start
        self.created = now_iso()
        self.bot_role_id = self.add_role("Partnerships bot", permissions=ADMINISTRATOR)
        #: Other servers the bot is in, id -> name: known by name only (see :mod:`bot.sim.guilds`).
        self.other_guilds: dict[int, str] = {}
        #: The bot token the server accepts (reference#authentication); None accepts any, as the bot
        #: started by :class:`bot.sim.Sim` never logs in.
        self.token: str | None = None
        self.webhooks = InteractionWebhooks(self)

    # -- building the guild -----------------------------------------------------------------------
    def add_role(self, name: str, *, permissions: str = EVERYONE_PERMS) -> int:
        role_id = factories.make_id()
        self.roles[name] = role_id
        self.role_permissions[role_id] = permissions
        return role_id

    def add_other_guild(self, name: str) -> int:
        guild_id = factories.make_id()
        self.other_guilds[guild_id] = name
        return guild_id

    def accepts(self, headers: Any) -> bool:
        """Whether a REST request's ``Authorization`` header carries the token (reference#authentication:
        ``Authorization: Bot <token>``)."""
        return self.token is None or (headers or {}).get("Authorization") == f"Bot {self.token}"

    def add_user(self, name: str, *, role_ids: list[int] | None = None, in_guild: bool = True) -> SimUser:
        user = SimUser(id=factories.make_id(), name=name, role_ids=list(role_ids or []), in_guild=in_guild)
        self.users[user.id] = user
        return user

    def add_channel(self, name: str, *, type: int = 0, parent_id: int | None = None) -> SimChannel:
        channel = SimChannel(id=factories.make_id(), name=name, type=type, parent_id=parent_id)
        channel.created_at = now_iso()
        self.channels[channel.id] = channel
        return channel

    def user_named(self, name: str) -> SimUser:
        for user in self.users.values():
            if user.name == name:
                return user
        raise KeyError(f"no user named {name!r}; known: {sorted(u.name for u in self.users.values())}")

    def channel_named(self, name: str) -> SimChannel:
        name = name.lstrip("#")
        for channel in self.channels.values():
            if channel.name == name and channel.type != 1:
                return channel
        raise KeyError(f"no channel or thread named {name!r}")

    def dm_channel(self, user: SimUser) -> SimChannel:
        if user.dm_channel_id is None:
            channel = self.add_channel(f"dm-{user.name}", type=1)
            channel.recipient_id = user.id
            user.dm_channel_id = channel.id
        return self.channels[user.dm_channel_id]

    def set_role_permissions(self, role_id: int, permissions: int | str) -> None:
        """Change a role's (or @everyone's, by the guild id) permissions, as GUILD_ROLE_UPDATE tells the bot."""
        if role_id == self.guild_id:
            self.everyone_permissions = str(permissions)
        else:
            self.role_permissions[role_id] = str(permissions)
        role = next(r for r in self.role_payloads() if r["id"] == str(role_id))
        self.dispatch("guild_role_update", {"guild_id": str(self.guild_id), "role": role})

    def set_overwrite(
        self, channel: SimChannel, target_id: int, *, member: bool = False, allow: int = 0, deny: int = 0
    ) -> None:
        """Set (or, with neither ``allow`` nor ``deny``, remove) the overwrite of a role (@everyone: the
        guild id) or a member on ``channel``, as an admin would; the bot hears it as CHANNEL_UPDATE.
        Discord's rule for what it means: topics/permissions#permission-overwrites."""
        channel.overwrites = [o for o in channel.overwrites if o["id"] != str(target_id)]
        if allow or deny:
            entry = {"id": str(target_id), "type": 1 if member else 0, "allow": str(allow), "deny": str(deny)}
            channel.overwrites.append(entry)
        self.dispatch("channel_update", self.channel_payload(channel))

    # -- faults and refusals -------------------------------------------------------------------------
    def fail_next(
        self,
        status: int = 0,
        count: int = 1,
        *,
        route: str | None = None,
        channel_id: int | None = None,
        kind: FaultKind = "status",
        seconds: float = 0.0,
    ) -> None:
        """Make the next ``count`` matching requests fail (see :class:`bot.sim.faults.Fault`)."""
        self.faults.append(Fault(status, count, route, channel_id, kind, seconds))

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The fault that strikes this request, if any (each strikes ``remaining`` times)."""
        channel_id = self._request_channel(path)
        for fault in self.faults:
            if fault.remaining > 0 and fault.matches(method, path, channel_id):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _request_channel(self, path: str) -> int | None:
        match = re.match(r"/channels/(\d+)", path)
        if match:
            return int(match.group(1))
        match = re.match(r"/(?:interactions/\d+|webhooks/\d+)/([^/]+)", path)
        if match and match.group(1) in self.interactions:
            return self.interactions[match.group(1)].channel_id
        return None

    def refuse(self, problems: list[str], *, status: int = 400, code: int = 50035) -> None:
        """Answer as Discord does when a request breaks its rules, and remember each broken rule so that the
        test fails naming it (``Sim.close`` raises on any left)."""
        if problems:
            self.violations.extend(problems)
            raise http_error(status, "Invalid Form Body: " + "; ".join(problems), code)

    def check_message(self, body: JsonDict, files: list[tuple[str, bytes]], *, creating: bool) -> None:
        # reference#uploading-files: an upload over the limit is refused whole with 413 (error 40005).
        self.refuse(rules.upload_problems(files), status=413, code=40005)
        self.refuse(rules.message_problems(body, creating=creating, has_files=bool(files)))

    # -- messages ---------------------------------------------------------------------------------
    def make_message(
        self,
        channel_id: int,
        payload: JsonDict,
        files: list[tuple[str, bytes]] | None = None,
        *,
        author: JsonDict | None = None,
        flags: int | None = None,
    ) -> SimMessage:
        message_id = factories.make_id()
        files = files or []
        attachments = [
            {
                "id": str(factories.make_id()),
                "filename": name,
                "size": len(data),
                "url": f"https://cdn.sim.invalid/{message_id}/{name}",
                "proxy_url": f"https://media.sim.invalid/{message_id}/{name}",
            }
            for name, data in files
        ]
        channel = self.channels.get(channel_id)
        data: JsonDict = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author or self.bot_user_payload(),
            "content": payload.get("content") or "",
            # Server time (the bot's clock in tests and the sandbox), so a message is dated when it was sent.
            "timestamp": self.clock().isoformat(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": clone(payload.get("embeds") or []),
            "components": clone(payload.get("components") or []),
            "pinned": False,
            "type": 0,
            "flags": int(payload.get("flags") or 0) if flags is None else flags,
        }
        if channel is not None and channel.type != 1:
            data["guild_id"] = str(self.guild_id)
        message = SimMessage(data, attachments=list(files))
        self.messages[message_id] = message
        return message

    def store(self, message: SimMessage) -> None:
        channel = self.channels.get(message.channel_id)
        if channel is not None and not message.ephemeral:
            channel.messages.append(message)

    def edit_message(self, message: SimMessage, payload: JsonDict, files: list[tuple[str, bytes]]) -> None:
        for key in ("content", "embeds", "components", "flags"):
            if key in payload:
                message.data[key] = clone(payload[key]) if payload[key] is not None else None
        if files or "attachments" in payload:
            kept = payload.get("attachments")
            if kept is not None and not files:
                ids = {str(a.get("id")) for a in kept}
                message.data["attachments"] = [a for a in message.data["attachments"] if a["id"] in ids]
            if files:
                message.attachments = list(files)
                message.data["attachments"] = [
                    {
                        "id": str(factories.make_id()),
                        "filename": n,
                        "size": len(d),
                        "url": "",
                        "proxy_url": "",
                    }
                    for n, d in files
                ]
        message.data["edited_timestamp"] = self.clock().isoformat()

    # -- the bot's REST calls ---------------------------------------------------------------------
    def handle(self, method: str, path: str, body: Any, files: list[tuple[str, bytes]], query: JsonDict) -> Any:
        self.requests.append(f"{method} {path}")
        for pattern, verb, handler in routes.ROUTES:
            if verb != method:
                continue
            match = pattern.fullmatch(path)
            if match is not None:
                return handler(self, match.groupdict(), body, files, query)
        raise NotImplementedError(f"bot/sim does not simulate {method} {path}")

    # -- interaction callbacks and webhooks (interaction responses) --------------------------------
    def handle_webhook(self, method: str, path: str, body: Any, files: list[tuple[str, bytes]], query: JsonDict):
        return self.webhooks.handle(method, path, body, files)

    # -- gateway events to the bot ----------------------------------------------------------------
    def dispatch(self, event: str, data: JsonDict) -> None:
        if self.state is None:
            return
        parser: Callable[[JsonDict], None] | None = getattr(self.state, f"parse_{event}", None)
        if parser is not None:
            parser(data)
