"""The INTERACTION_CREATE payloads a member's client would make: slash commands with their options
(resolved users, channels and roles), autocomplete, button presses, menu choices and form submissions."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from typing import Any

import discord
from discord.ext.test import factories

from bot.sim.models import InteractionRecord, InteractionResult, SimChannel, SimMessage, SimUser, clone
from bot.sim.server import SimServer


class SimError(AssertionError):
    """A test or sandbox asked for something that is not there (no such button, command, field)."""


class InteractionPayloads:
    """Payload building for :class:`bot.sim.Sim`, which provides the server and looks up people and places."""

    server: SimServer
    role_ids: dict[str, int]

    def member(self, name: str) -> SimUser:
        raise NotImplementedError

    def channel(self, name: str) -> SimChannel:
        raise NotImplementedError

    def thread(self, name: str) -> SimChannel:
        raise NotImplementedError

    def _user(self, user: str | SimUser) -> SimUser:
        return user if isinstance(user, SimUser) else self.member(user)

    def _channel_for(self, user: SimUser, channel: str | SimChannel | None, dm: bool) -> SimChannel:
        if dm:
            return self.server.dm_channel(user)
        if isinstance(channel, SimChannel):
            return channel
        if channel is None:
            return self.channel("general")
        try:
            return self.channel(channel)
        except KeyError:
            return self.thread(channel)

    def _base_payload(
        self, kind: int, user: SimUser, channel: SimChannel, locale: str, data: dict[str, Any]
    ) -> tuple[dict[str, Any], InteractionResult]:
        token = "sim-" + secrets.token_urlsafe(24)
        payload: dict[str, Any] = {
            "id": str(factories.make_id()),
            "application_id": str(self.server.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "locale": locale,
            "app_permissions": str(discord.Permissions.all().value),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id),
            "channel": self.server.channel_payload(channel),
        }
        if channel.type == 1:
            payload["user"] = user.payload()
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"1": str(user.id)}
        else:
            if not user.in_guild:
                raise SimError(f"{user.name} is not a member of the guild")
            member = user.member_payload(self.server.created)
            member["permissions"] = str(discord.Permissions.general().value | discord.Permissions.text().value)
            payload["member"] = member
            payload["guild_id"] = str(self.server.guild_id)
            payload["guild_locale"] = self.server.preferred_locale
            payload["guild"] = {
                "id": str(self.server.guild_id),
                "locale": self.server.preferred_locale,
                "features": [],
            }
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(self.server.guild_id)}
        kinds = {2: "command", 3: "component", 4: "autocomplete", 5: "modal"}
        result = InteractionResult(kind=kinds[kind])
        self.server.interactions[token] = InteractionRecord(
            token, channel.id, user, result, kind=kind, received_at=asyncio.get_running_loop().time()
        )
        return payload, result

    def _find_command(self, path: str, dm: bool) -> tuple[dict[str, Any], list[str]]:
        words = path.strip().lstrip("/").split()
        if not words:
            raise SimError("empty command")
        pools = [self.server.global_commands] if dm else [self.server.guild_commands, self.server.global_commands]
        for pool in pools:
            for command in pool:
                if command["name"] == words[0] and command.get("type", 1) == 1:
                    return command, words[1:]
        known = sorted({c["name"] for pool in pools for c in pool})
        raise SimError(f"no command /{words[0]}{' in DMs' if dm else ''}; known: {known}")

    def _command_data(
        self, path: str, options: Mapping[str, Any], dm: bool, focused: str | None = None
    ) -> dict[str, Any]:
        command, rest = self._find_command(path, dm)
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        container = data
        spec_options = command.get("options") or []
        for word in rest:
            sub = next((o for o in spec_options if o["name"] == word and o["type"] in (1, 2)), None)
            if sub is None:
                raise SimError(f"/{command['name']} has no subcommand {word!r}")
            entry: dict[str, Any] = {"type": sub["type"], "name": word, "options": []}
            container.setdefault("options", []).append(entry)
            container = entry
            spec_options = sub.get("options") or []
        subcommands = [o["name"] for o in spec_options if o["type"] in (1, 2)]
        if subcommands:
            # A client cannot send a group on its own: its picker offers the subcommands instead.
            raise SimError(f"/{path.strip().lstrip('/')} needs a subcommand: one of {', '.join(subcommands)}")
        resolved: dict[str, dict[str, Any]] = {}
        values = []
        for name, value in options.items():
            spec = next((o for o in spec_options if o["name"] == name), None)
            if spec is None:
                raise SimError(f"/{path} has no option {name!r}; options: {[o['name'] for o in spec_options]}")
            values.append(self._option(spec, value, resolved, focused == name))
        missing = [o["name"] for o in spec_options if o.get("required") and o["name"] not in options]
        if missing and focused is None:
            raise SimError(f"/{path} needs {missing}")
        container.setdefault("options", []).extend(values)
        if resolved:
            data["resolved"] = resolved
        return data

    def _option(self, spec: dict[str, Any], value: Any, resolved: dict[str, Any], focused: bool) -> dict[str, Any]:
        kind = spec["type"]
        option: dict[str, Any] = {"type": kind, "name": spec["name"]}
        if focused:
            option["value"] = str(value)
            option["focused"] = True
            return option
        if kind == 6:
            user = self._user(value)
            option["value"] = str(user.id)
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            if user.in_guild:
                member = user.member_payload(self.server.created)
                member.pop("user")
                resolved.setdefault("members", {})[str(user.id)] = member
        elif kind == 7:
            channel = (
                value
                if isinstance(value, SimChannel)
                else self._channel_for(self.member(next(iter(self.server.users.values())).name), value, False)
            )
            option["value"] = str(channel.id)
            data = self.server.channel_payload(channel)
            data["permissions"] = str(discord.Permissions.all().value)
            resolved.setdefault("channels", {})[str(channel.id)] = data
        elif kind == 8:
            role_id = self.role_ids.get(value, value)
            option["value"] = str(role_id)
            role = next(r for r in self.server.role_payloads() if r["id"] == str(role_id))
            resolved.setdefault("roles", {})[str(role_id)] = role
        elif kind == 4:
            option["value"] = int(value)
        elif kind == 10:
            option["value"] = float(value)
        elif kind == 5:
            truthy = ("true", "yes", "1", "on")
            option["value"] = value.strip().lower() in truthy if isinstance(value, str) else bool(value)
        else:
            option["value"] = str(value)
        return option

    def _component(self, message: SimMessage, key: str, types: tuple[int, ...]) -> dict[str, Any]:
        for comp in message._walk():
            if comp.get("type") not in types:
                continue
            if key in (comp.get("label"), comp.get("custom_id"), comp.get("placeholder")):
                return comp
        raise SimError(f"no component {key!r} on {message!r}")

    def _message_payload(self, message: SimMessage) -> dict[str, Any]:
        data = clone(message.data)
        data.pop("_loading", None)
        return data
