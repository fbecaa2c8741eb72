"""Places in the simulated server a sandbox line can name: channels (``#leads``), threads (by name, or
``L-1`` for a lead's checklist thread) and a member's DM with the bot; and who may see each."""

from __future__ import annotations

import re

import discord

from bot.sandbox._commands import did_you_mean, spoken
from bot.services import checklists
from bot.sim import Sim
from bot.sim.models import SimChannel, SimUser
from bot.sim.server import VIEW_CHANNEL

LEAD_REF = re.compile(r"L-(\d+)", re.I)
ADMINISTRATOR = discord.Permissions(administrator=True).value


class PlaceError(Exception):
    """A place the line names that is not there, or that the member cannot see: one sentence."""


class Places:
    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.server = sim.server

    def where(self, channel: SimChannel | None) -> str:
        """How a place is headed in the transcript: ``#leads``, ``#checklists › Assessment · L-1``, ``DM with dave``."""
        if channel is None:
            return "?"
        if channel.type == 1:
            user = self.server.users.get(channel.recipient_id or 0)
            return f"DM with {user.name if user else '?'}"
        if channel.is_thread:
            parent = self.server.channels.get(channel.parent_id or 0)
            return f"#{parent.name if parent else '?'} › {channel.name}"
        return f"#{channel.name}"

    def channel(self, name: str) -> SimChannel:
        """A channel by name (``#leads`` or ``leads``), else a thread by name."""
        wanted = name.lstrip("#")
        channels = [c for c in self.server.channels.values() if c.type == 0]
        for channel in channels:
            if channel.name == wanted:
                return channel
        try:
            return self.thread_named(wanted)
        except PlaceError:
            hint = did_you_mean(wanted, [c.name for c in channels], "#{}")
            raise PlaceError(f"no channel or thread named {wanted!r}.{hint}") from None

    def thread_named(self, name: str) -> SimChannel:
        """A thread by exact name, else the newest whose name holds ``name`` (any case)."""
        threads = [c for c in self.server.channels.values() if c.is_thread]
        for thread in threads:
            if thread.name == name:
                return thread
        for thread in reversed(threads):
            if name.lower() in thread.name.lower():
                return thread
        if not threads:
            raise PlaceError(f"no thread named {name!r}: there are no threads yet.")
        hint = did_you_mean(name, [t.name for t in threads], '"{}"')
        names = spoken([f'"{t.name}"' for t in threads[-5:]])
        raise PlaceError(f"no thread named {name!r}; the latest threads are {names}.{hint}")

    async def thread(self, name: str) -> SimChannel:
        """``L-1``: the thread of the lead's latest checklist run; anything else, a thread by name."""
        if not name.strip():
            raise PlaceError("say which thread: L-1 (a lead's checklist thread) or a thread's name.")
        ref = LEAD_REF.fullmatch(name.strip())
        if ref is not None:
            runs = await checklists.runs_for_lead(self.sim.db, self.sim.guild_id, int(ref.group(1)))
            for run in runs:
                if run.thread_id is not None and run.thread_id in self.server.channels:
                    return self.server.channels[run.thread_id]
            try:
                return self.thread_named(name)
            except PlaceError:
                lead = f"L-{ref.group(1)}"
                raise PlaceError(
                    f"{lead} has no checklist thread yet; start one with /checklist start lead:{lead}."
                ) from None
        return self.thread_named(name)

    def dm(self, user: SimUser) -> SimChannel:
        return self.server.dm_channel(user)

    def can_view(self, user: SimUser, channel: SimChannel) -> bool:
        """Whether ``user`` sees ``channel`` (a thread: its parent), by Discord's rule
        (topics/permissions#permission-overwrites): @everyone's and the roles' permissions, then the
        overwrites of @everyone, of the member's roles together, of the member."""
        if channel.type == 1:
            return channel.recipient_id == user.id
        if channel.is_thread:
            parent = self.server.channels.get(channel.parent_id or 0)
            return parent is not None and self.can_view(user, parent)
        if not user.in_guild:
            return False
        if next(iter(self.server.users), None) == user.id:  # the server's owner (guild_payload)
            return True
        allowed = int(self.server.everyone_permissions)
        for role_id in user.role_ids:
            allowed |= int(self.server.role_permissions.get(role_id, 0))
        if allowed & ADMINISTRATOR:
            return True
        overwrites = {int(o["id"]): o for o in channel.overwrites}
        everyone = overwrites.get(self.server.guild_id)
        if everyone is not None:
            allowed = (allowed & ~int(everyone["deny"])) | int(everyone["allow"])
        role_allow = role_deny = 0
        for role_id in user.role_ids:
            if role_id in overwrites:
                role_allow |= int(overwrites[role_id]["allow"])
                role_deny |= int(overwrites[role_id]["deny"])
        allowed = (allowed & ~role_deny) | role_allow
        member = overwrites.get(user.id)
        if member is not None:
            allowed = (allowed & ~int(member["deny"])) | int(member["allow"])
        return bool(allowed & VIEW_CHANNEL)
