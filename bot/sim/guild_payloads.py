"""The guild as Discord describes it to the bot: the payloads of the guild (as GUILD_CREATE carries it), its
roles, its channels and threads, and the bot as a user and as a member."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord

from bot.sim.models import SimChannel, SimUser, clone

JsonDict = dict[str, Any]

EVERYONE_PERMS = str(discord.Permissions.general().value | discord.Permissions.text().value)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class GuildPayloads:
    """The payload building of :class:`bot.sim.server.SimServer`, which holds the guild's state."""

    guild_id: int
    guild_name: str
    preferred_locale: str
    bot_user_id: int
    bot_role_id: int
    roles: dict[str, int]
    role_permissions: dict[int, str]
    everyone_permissions: str
    users: dict[int, SimUser]
    channels: dict[int, SimChannel]
    created: str

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
                        "archive_timestamp": channel.created_at or now_iso(),
                        "locked": channel.locked,
                        "invitable": True,
                        "create_timestamp": channel.created_at or now_iso(),
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
