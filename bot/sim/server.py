"""The simulated Discord server: guild state, message store and the REST routes the bot calls.

Requests arrive here through :class:`bot.sim.http.SimSession`, the aiohttp session under discord.py's REST
client and webhook adapter (interaction responses and follow-ups), exactly as discord.py sends them to
Discord; a request that breaks one of Discord's documented rules (:mod:`bot.sim.rules`) is refused as
Discord would refuse it. Changes the real Discord would announce over the gateway (a thread
created, a member's message) are fed to the bot's own ``ConnectionState`` parsers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import discord
from discord.ext.test import factories

from bot.sim import guilds, rules
from bot.sim.faults import Fault, FaultKind, http_error
from bot.sim.models import InteractionRecord, SimChannel, SimMessage, SimUser, clone
from bot.sim.webhooks import InteractionWebhooks

JsonDict = dict[str, Any]

ADMINISTRATOR = str(discord.Permissions.all().value)
EVERYONE_PERMS = str(discord.Permissions.general().value | discord.Permissions.text().value)
VIEW_CHANNEL = discord.Permissions(view_channel=True).value


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class SimServer:
    """One guild with its roles, channels, threads, members, DMs and every message sent."""

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
        self.created = _now_iso()
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
        channel.created_at = _now_iso()
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

    def role_payloads(self) -> list[JsonDict]:
        everyone = {
            "id": str(self.guild_id),
            "name": "@everyone",
            "permissions": self.everyone_permissions,
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        roles = [everyone]
        for position, (name, role_id) in enumerate(self.roles.items(), start=1):
            perms = self.role_permissions.get(role_id, EVERYONE_PERMS)
            role = {**everyone, "id": str(role_id), "name": name, "permissions": perms, "position": position}
            if role_id == self.bot_role_id:
                # The role Discord makes for a bot it adds: managed, tagged with the bot's id
                # (topics/permissions#role-object-role-tags-structure).
                role.update(managed=True, tags={"bot_id": str(self.bot_user_id)})
            roles.append(role)
        return roles

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

    def bot_user_payload(self) -> JsonDict:
        return {
            "id": str(self.bot_user_id),
            "username": "Partnerships",
            "global_name": "Partnerships",
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "public_flags": 0,
            "flags": 0,
            "verified": True,
            "mfa_enabled": False,
        }

    def channel_payload(self, channel: SimChannel) -> JsonDict:
        if channel.type == 1:
            user = self.users[channel.recipient_id or 0]
            return {"id": str(channel.id), "type": 1, "recipients": [user.payload()], "last_message_id": None}
        data: JsonDict = {
            "id": str(channel.id),
            "type": channel.type,
            "name": channel.name,
            "guild_id": str(self.guild_id),
            "position": 0,
            "permission_overwrites": [] if channel.is_thread else clone(channel.overwrites),
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "flags": 0,
        }
        if channel.is_thread:
            data.update(
                {
                    "owner_id": str(channel.owner_id or self.bot_user_id),
                    "message_count": len(channel.messages),
                    "member_count": len(channel.member_ids),
                    "total_message_sent": len(channel.messages),
                    "thread_metadata": {
                        "archived": channel.archived,
                        "auto_archive_duration": 10080,
                        "archive_timestamp": channel.created_at or _now_iso(),
                        "locked": channel.locked,
                        "invitable": True,
                        "create_timestamp": channel.created_at or _now_iso(),
                    },
                }
            )
        return data

    def bot_member_payload(self) -> JsonDict:
        # A test may take the bot's role away (a bot invited with no permissions has none).
        has_role = self.bot_role_id in self.roles.values()
        return {
            "user": self.bot_user_payload(),
            "roles": [str(self.bot_role_id)] if has_role else [],
            "joined_at": self.created,
            "deaf": False,
            "mute": False,
            "flags": 0,
        }

    def guild_payload(self) -> JsonDict:
        members = [u.member_payload(self.created) for u in self.users.values() if u.in_guild]
        bot_member = self.bot_member_payload()
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(next(iter(self.users), self.bot_user_id)),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": self.role_payloads(),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": self.preferred_locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "member_count": len(members) + 1,
            "large": False,
            "unavailable": False,
            "members": [*members, bot_member],
            "channels": [self.channel_payload(c) for c in self.channels.values() if c.type == 0],
            "threads": [self.channel_payload(c) for c in self.channels.values() if c.is_thread and not c.archived],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": self.created,
        }

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
        for pattern, verb, handler in self._routes:
            if verb != method:
                continue
            match = pattern.fullmatch(path)
            if match is not None:
                return handler(self, match.groupdict(), body, files, query)
        raise NotImplementedError(f"bot/sim does not simulate {method} {path}")

    def _channel(self, channel_id: str) -> SimChannel:
        channel = self.channels.get(int(channel_id))
        if channel is None:
            raise http_error(404, "Unknown Channel", 10003)
        return channel

    def _message(self, channel_id: str, message_id: str) -> SimMessage:
        message = self.messages.get(int(message_id))
        if message is None or message.channel_id != int(channel_id):
            raise http_error(404, "Unknown Message", 10008)
        return message

    def _post_message(self, p: JsonDict, body: Any, files: list[tuple[str, bytes]], query: JsonDict) -> JsonDict:
        channel = self._channel(p["channel_id"])
        if channel.forbidden:
            raise http_error(403, "Missing Permissions", 50013)
        if channel.type == 1:
            user = self.users[channel.recipient_id or 0]
            if not user.dms_open:
                raise http_error(403, "Cannot send messages to this user", 50007)
        if channel.is_thread and channel.locked:
            # topics/threads: a locked thread can only be unarchived by someone with Manage Threads.
            raise http_error(400, "Thread is locked", 50083)
        body = body or {}
        self.check_message(body, files, creating=True)
        nonce = body.get("nonce")
        now = self.clock()
        if nonce is not None and body.get("enforce_nonce"):
            # resources/message#create-message-json-params: with enforce_nonce, a nonce already used "in the
            # past few minutes" returns that message instead of a new one; an older nonce is forgotten.
            seen = self.nonces.get((channel.id, str(nonce)))
            if seen is not None and (now - seen[0]).total_seconds() < rules.NONCE_SECONDS:
                return {**seen[1].data, "nonce": nonce}
        if channel.is_thread and channel.archived:
            # topics/threads#archiving-and-unarchiving: sending a message to an archived thread that is not
            # locked unarchives it.
            channel.archived = False
            self.dispatch("thread_update", self.channel_payload(channel))
        message = self.make_message(channel.id, body, files)
        self.store(message)
        if nonce is None:
            return message.data
        # The nonce comes back in the answer to the send only: Discord does not keep it with the message,
        # so fetched messages and history never carry it.
        self.nonces[(channel.id, str(nonce))] = (now, message)
        return {**message.data, "nonce": nonce}

    def _patch_message(self, p: JsonDict, body: Any, files: list[tuple[str, bytes]], query: JsonDict) -> JsonDict:
        channel = self._channel(p["channel_id"])
        if channel.is_thread and channel.archived:
            raise http_error(400, "Thread is archived", 50083)
        message = self._message(p["channel_id"], p["message_id"])
        self.check_message(body or {}, files, creating=False)
        self.edit_message(message, body or {}, files)
        return message.data

    def _delete_message(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> None:
        message = self._message(p["channel_id"], p["message_id"])
        channel = self.channels.get(message.channel_id)
        if channel is not None and message in channel.messages:
            channel.messages.remove(message)
        self.messages.pop(message.id, None)

    def _get_message(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        return self._message(p["channel_id"], p["message_id"]).data

    def _history(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> list[JsonDict]:
        channel = self._channel(p["channel_id"])
        limit = int(query.get("limit", 50))
        messages = list(reversed(channel.messages))
        if "before" in query:
            messages = [m for m in messages if m.id < int(query["before"])]
        if "after" in query:
            messages = [m for m in messages if m.id > int(query["after"])]
        return [m.data for m in messages[:limit]]

    def _get_channel(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        return self.channel_payload(self._channel(p["channel_id"]))

    def _patch_channel(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        channel = self._channel(p["channel_id"])
        body = body or {}
        if "archived" in body:
            channel.archived = bool(body["archived"])
        if "locked" in body:
            channel.locked = bool(body["locked"])
        if "name" in body:
            if channel.is_thread:
                self.refuse(rules.thread_name_problems(body["name"]))
            channel.name = body["name"]
        data = self.channel_payload(channel)
        if channel.is_thread:
            self.dispatch("thread_update", data)
        return data

    def _new_thread(self, parent: SimChannel, name: str, type_: int, starter: int | None) -> JsonDict:
        if parent.forbidden:
            raise http_error(403, "Missing Permissions", 50013)
        self.refuse(rules.thread_name_problems(name))  # a 400, not a silent cut
        thread = SimChannel(
            id=starter or factories.make_id(),
            name=name,
            type=type_,
            parent_id=parent.id,
            owner_id=self.bot_user_id,
            starter_message_id=starter,
            created_at=_now_iso(),
        )
        thread.member_ids.add(self.bot_user_id)
        self.channels[thread.id] = thread
        data = self.channel_payload(thread)
        self.dispatch("thread_create", {**data, "newly_created": True})
        return data

    def _thread_from_message(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        parent = self._channel(p["channel_id"])
        message = self._message(p["channel_id"], p["message_id"])
        if message.id in self.channels:
            raise http_error(400, "A thread has already been created for this message", 160004)
        return self._new_thread(parent, (body or {}).get("name", "thread"), 11, message.id)

    def _standalone_thread(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        parent = self._channel(p["channel_id"])
        body = body or {}
        return self._new_thread(parent, body.get("name", "thread"), int(body.get("type") or 11), None)

    def _add_thread_member(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> None:
        thread = self._channel(p["channel_id"])
        if thread.archived:
            raise http_error(400, "Thread is archived", 50083)
        user_id = self.bot_user_id if p["user_id"] == "@me" else int(p["user_id"])
        thread.member_ids.add(user_id)

    def _archived_threads(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        parent = int(p["channel_id"])
        threads = [c for c in self.channels.values() if c.parent_id == parent and c.archived]
        return {"threads": [self.channel_payload(t) for t in threads], "members": [], "has_more": False}

    def _active_threads(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        threads = [c for c in self.channels.values() if c.is_thread and not c.archived]
        return {"threads": [self.channel_payload(t) for t in threads], "members": []}

    def _create_dm(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        user = self.users.get(int((body or {})["recipient_id"]))
        if user is None:
            raise http_error(404, "Unknown User", 10013)
        return self.channel_payload(self.dm_channel(user))

    def dm_channel(self, user: SimUser) -> SimChannel:
        if user.dm_channel_id is None:
            channel = self.add_channel(f"dm-{user.name}", type=1)
            channel.recipient_id = user.id
            user.dm_channel_id = channel.id
        return self.channels[user.dm_channel_id]

    def _get_member(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        # resources/guild#get-guild-member, the bot itself included.
        if int(p["user_id"]) == self.bot_user_id:
            return self.bot_member_payload()
        user = self.users.get(int(p["user_id"]))
        if user is None or not user.in_guild:
            raise http_error(404, "Unknown Member", 10007)
        return user.member_payload(self.created)

    def _get_user(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        if p["user_id"] == "@me":
            # resources/user#get-current-user: what discord.py's login asks first.
            return self.bot_user_payload()
        user = self.users.get(int(p["user_id"]))
        if user is None:
            raise http_error(404, "Unknown User", 10013)
        return user.payload()

    def _get_guild(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        return self.guild_payload()

    def _role_member_counts(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
        # resources/guild#get-guild-role-member-counts: role id -> members with it, @everyone left out.
        counts = {str(role_id): 0 for role_id in self.roles.values()}
        for user in self.users.values():
            if user.in_guild:
                for role_id in user.role_ids:
                    counts[str(role_id)] = counts.get(str(role_id), 0) + 1
        return counts

    def _put_commands(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> list[JsonDict]:
        commands = []
        for command in body or []:
            stored = {
                **clone(command),
                "id": str(factories.make_id()),
                "application_id": str(self.application_id),
                "version": "1",
            }
            if p.get("guild_id"):
                stored["guild_id"] = p["guild_id"]
            commands.append(stored)
        if p.get("guild_id"):
            self.guild_commands = commands
        else:
            self.global_commands = commands
        return clone(commands)

    def _typing(self, p: JsonDict, body: Any, files: Any, query: JsonDict) -> None:
        return None

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

    _routes: list[tuple[re.Pattern[str], str, Callable[..., Any]]] = []


def _route(method: str, template: str, handler: Callable[..., Any]) -> None:
    pattern = re.compile(re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", template))
    SimServer._routes.append((pattern, method, handler))


for _method, _template, _handler in (
    ("POST", "/channels/{channel_id}/messages", SimServer._post_message),
    ("GET", "/channels/{channel_id}/messages", SimServer._history),
    ("GET", "/channels/{channel_id}/messages/{message_id}", SimServer._get_message),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", SimServer._patch_message),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", SimServer._delete_message),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads", SimServer._thread_from_message),
    ("POST", "/channels/{channel_id}/threads", SimServer._standalone_thread),
    ("PUT", "/channels/{channel_id}/thread-members/{user_id}", SimServer._add_thread_member),
    ("GET", "/channels/{channel_id}/threads/archived/public", SimServer._archived_threads),
    ("GET", "/guilds/{guild_id}/threads/active", SimServer._active_threads),
    ("GET", "/channels/{channel_id}", SimServer._get_channel),
    ("PATCH", "/channels/{channel_id}", SimServer._patch_channel),
    ("POST", "/channels/{channel_id}/typing", SimServer._typing),
    ("POST", "/users/@me/channels", SimServer._create_dm),
    ("GET", "/guilds/{guild_id}/members/{user_id}", SimServer._get_member),
    ("GET", "/users/@me/guilds", guilds.current_user_guilds),
    ("GET", "/users/{user_id}", SimServer._get_user),
    ("GET", "/guilds/{guild_id}/roles/member-counts", SimServer._role_member_counts),
    ("GET", "/guilds/{guild_id}", SimServer._get_guild),
    ("GET", "/guilds/{guild_id}/channels", guilds.guild_channels),
    ("POST", "/guilds/{guild_id}/channels", guilds.create_channel),
    ("GET", "/guilds/{guild_id}/roles", guilds.guild_roles),
    ("POST", "/guilds/{guild_id}/roles", guilds.create_role),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", SimServer._put_commands),
    ("PUT", "/applications/{application_id}/commands", SimServer._put_commands),
):
    _route(_method, _template, _handler)


def parse_payload(body: Any) -> Any:
    if isinstance(body, bytes | str):
        return json.loads(body)
    return body
