"""The REST routes of the simulated server about channels, messages, threads, DMs, members, users and
application commands, and the table that maps every route the bot calls to its handler.

Each handler takes the server, the path's parameters, the JSON body, the uploaded files and the query, and
answers as the page of Discord's API documentation (discord-api-docs) for that route describes; the routes
about servers, their channels and roles that ``partnerbot setup`` calls are in :mod:`bot.sim.guilds`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from discord.ext.test import factories

from bot.sim import guilds, rules
from bot.sim.faults import http_error
from bot.sim.guild_payloads import now_iso
from bot.sim.models import SimChannel, SimMessage, clone

if TYPE_CHECKING:
    from bot.sim.server import SimServer

JsonDict = dict[str, Any]


def _channel(server: SimServer, channel_id: str) -> SimChannel:
    channel = server.channels.get(int(channel_id))
    if channel is None:
        raise http_error(404, "Unknown Channel", 10003)
    return channel


def _message(server: SimServer, channel_id: str, message_id: str) -> SimMessage:
    message = server.messages.get(int(message_id))
    if message is None or message.channel_id != int(channel_id):
        raise http_error(404, "Unknown Message", 10008)
    return message


def post_message(
    server: SimServer, p: JsonDict, body: Any, files: list[tuple[str, bytes]], query: JsonDict
) -> JsonDict:
    channel = _channel(server, p["channel_id"])
    if channel.forbidden:
        raise http_error(403, "Missing Permissions", 50013)
    if channel.type == 1:
        user = server.users[channel.recipient_id or 0]
        if not user.dms_open:
            raise http_error(403, "Cannot send messages to this user", 50007)
    if channel.is_thread and channel.locked:
        # topics/threads: a locked thread can only be unarchived by someone with Manage Threads.
        raise http_error(400, "Thread is locked", 50083)
    body = body or {}
    server.check_message(body, files, creating=True)
    nonce = body.get("nonce")
    now = server.clock()
    if nonce is not None and body.get("enforce_nonce"):
        # resources/message#create-message-json-params: with enforce_nonce, a nonce already used "in the
        # past few minutes" returns that message instead of a new one; an older nonce is forgotten.
        seen = server.nonces.get((channel.id, str(nonce)))
        if seen is not None and (now - seen[0]).total_seconds() < rules.NONCE_SECONDS:
            return {**seen[1].data, "nonce": nonce}
    if channel.is_thread and channel.archived:
        # topics/threads#archiving-and-unarchiving: sending a message to an archived thread that is not
        # locked unarchives it.
        channel.archived = False
        server.dispatch("thread_update", server.channel_payload(channel))
    message = server.make_message(channel.id, body, files)
    server.store(message)
    if nonce is None:
        return message.data
    # The nonce comes back in the answer to the send only: Discord does not keep it with the message,
    # so fetched messages and history never carry it.
    server.nonces[(channel.id, str(nonce))] = (now, message)
    return {**message.data, "nonce": nonce}


def patch_message(
    server: SimServer, p: JsonDict, body: Any, files: list[tuple[str, bytes]], query: JsonDict
) -> JsonDict:
    channel = _channel(server, p["channel_id"])
    if channel.is_thread and channel.archived:
        raise http_error(400, "Thread is archived", 50083)
    message = _message(server, p["channel_id"], p["message_id"])
    server.check_message(body or {}, files, creating=False)
    server.edit_message(message, body or {}, files)
    return message.data


def delete_message(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> None:
    message = _message(server, p["channel_id"], p["message_id"])
    channel = server.channels.get(message.channel_id)
    if channel is not None and message in channel.messages:
        channel.messages.remove(message)
    server.messages.pop(message.id, None)


def get_message(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    return _message(server, p["channel_id"], p["message_id"]).data


def history(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> list[JsonDict]:
    channel = _channel(server, p["channel_id"])
    limit = int(query.get("limit", 50))
    messages = list(reversed(channel.messages))
    if "before" in query:
        messages = [m for m in messages if m.id < int(query["before"])]
    if "after" in query:
        messages = [m for m in messages if m.id > int(query["after"])]
    return [m.data for m in messages[:limit]]


def get_channel(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    return server.channel_payload(_channel(server, p["channel_id"]))


def patch_channel(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    channel = _channel(server, p["channel_id"])
    body = body or {}
    if "archived" in body:
        channel.archived = bool(body["archived"])
    if "locked" in body:
        channel.locked = bool(body["locked"])
    if "name" in body:
        if channel.is_thread:
            server.refuse(rules.thread_name_problems(body["name"]))
        channel.name = body["name"]
    data = server.channel_payload(channel)
    if channel.is_thread:
        server.dispatch("thread_update", data)
    return data


def _new_thread(server: SimServer, parent: SimChannel, name: str, type_: int, starter: int | None) -> JsonDict:
    if parent.forbidden:
        raise http_error(403, "Missing Permissions", 50013)
    server.refuse(rules.thread_name_problems(name))  # a 400, not a silent cut
    thread = SimChannel(
        id=starter or factories.make_id(),
        name=name,
        type=type_,
        parent_id=parent.id,
        owner_id=server.bot_user_id,
        starter_message_id=starter,
        created_at=now_iso(),
    )
    thread.member_ids.add(server.bot_user_id)
    server.channels[thread.id] = thread
    data = server.channel_payload(thread)
    server.dispatch("thread_create", {**data, "newly_created": True})
    return data


def thread_from_message(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    parent = _channel(server, p["channel_id"])
    message = _message(server, p["channel_id"], p["message_id"])
    if message.id in server.channels:
        raise http_error(400, "A thread has already been created for this message", 160004)
    return _new_thread(server, parent, (body or {}).get("name", "thread"), 11, message.id)


def standalone_thread(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    parent = _channel(server, p["channel_id"])
    body = body or {}
    return _new_thread(server, parent, body.get("name", "thread"), int(body.get("type") or 11), None)


def add_thread_member(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> None:
    thread = _channel(server, p["channel_id"])
    if thread.archived:
        raise http_error(400, "Thread is archived", 50083)
    user_id = server.bot_user_id if p["user_id"] == "@me" else int(p["user_id"])
    thread.member_ids.add(user_id)


def archived_threads(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    parent = int(p["channel_id"])
    threads = [c for c in server.channels.values() if c.parent_id == parent and c.archived]
    return {"threads": [server.channel_payload(t) for t in threads], "members": [], "has_more": False}


def active_threads(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    threads = [c for c in server.channels.values() if c.is_thread and not c.archived]
    return {"threads": [server.channel_payload(t) for t in threads], "members": []}


def create_dm(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    user = server.users.get(int((body or {})["recipient_id"]))
    if user is None:
        raise http_error(404, "Unknown User", 10013)
    return server.channel_payload(server.dm_channel(user))


def get_member(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    # resources/guild#get-guild-member, the bot itself included.
    if int(p["user_id"]) == server.bot_user_id:
        return server.bot_member_payload()
    user = server.users.get(int(p["user_id"]))
    if user is None or not user.in_guild:
        raise http_error(404, "Unknown Member", 10007)
    return user.member_payload(server.created)


def get_user(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    if p["user_id"] == "@me":
        # resources/user#get-current-user: what discord.py's login asks first.
        return server.bot_user_payload()
    user = server.users.get(int(p["user_id"]))
    if user is None:
        raise http_error(404, "Unknown User", 10013)
    return user.payload()


def get_guild(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    return server.guild_payload()


def role_member_counts(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> JsonDict:
    # resources/guild#get-guild-role-member-counts: role id -> members with it, @everyone left out.
    counts = {str(role_id): 0 for role_id in server.roles.values()}
    for user in server.users.values():
        if user.in_guild:
            for role_id in user.role_ids:
                counts[str(role_id)] = counts.get(str(role_id), 0) + 1
    return counts


def put_commands(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> list[JsonDict]:
    commands = []
    for command in body or []:
        stored = {
            **clone(command),
            "id": str(factories.make_id()),
            "application_id": str(server.application_id),
            "version": "1",
        }
        if p.get("guild_id"):
            stored["guild_id"] = p["guild_id"]
        commands.append(stored)
    if p.get("guild_id"):
        server.guild_commands = commands
    else:
        server.global_commands = commands
    return clone(commands)


def trigger_typing(server: SimServer, p: JsonDict, body: Any, files: Any, query: JsonDict) -> None:
    return None


#: Every route the bot calls: (path pattern, method, handler); the first that matches answers.
ROUTES: list[tuple[re.Pattern[str], str, Callable[..., Any]]] = [
    (re.compile(re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", template)), method, handler)
    for method, template, handler in (
        ("POST", "/channels/{channel_id}/messages", post_message),
        ("GET", "/channels/{channel_id}/messages", history),
        ("GET", "/channels/{channel_id}/messages/{message_id}", get_message),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}", patch_message),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message),
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads", thread_from_message),
        ("POST", "/channels/{channel_id}/threads", standalone_thread),
        ("PUT", "/channels/{channel_id}/thread-members/{user_id}", add_thread_member),
        ("GET", "/channels/{channel_id}/threads/archived/public", archived_threads),
        ("GET", "/guilds/{guild_id}/threads/active", active_threads),
        ("GET", "/channels/{channel_id}", get_channel),
        ("PATCH", "/channels/{channel_id}", patch_channel),
        ("POST", "/channels/{channel_id}/typing", trigger_typing),
        ("POST", "/users/@me/channels", create_dm),
        ("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
        ("GET", "/users/@me/guilds", guilds.current_user_guilds),
        ("GET", "/users/{user_id}", get_user),
        ("GET", "/guilds/{guild_id}/roles/member-counts", role_member_counts),
        ("GET", "/guilds/{guild_id}", get_guild),
        ("GET", "/guilds/{guild_id}/channels", guilds.guild_channels),
        ("POST", "/guilds/{guild_id}/channels", guilds.create_channel),
        ("GET", "/guilds/{guild_id}/roles", guilds.guild_roles),
        ("POST", "/guilds/{guild_id}/roles", guilds.create_role),
        ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", put_commands),
        ("PUT", "/applications/{application_id}/commands", put_commands),
    )
]
