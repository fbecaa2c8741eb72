"""Who outside the working group can read its private channels, from their permission overwrites.

The leads, checklists and digest channels carry working-group-only content (working-group-only leads,
decline notes, released anonymous feedback; checklist threads are public threads of the checklists
channel, so they have its readers). This module works Discord's permission arithmetic on plain values,
as documented at https://discord.com/developers/docs/topics/permissions#permission-overwrites: base
permissions are @everyone's role permissions and the member's roles' (Administrator or ownership means
everything); then the channel's @everyone overwrite, the member's roles' overwrites together (denies,
then allows) and the member's own overwrite.

Who may read is fine: the working group, the reviewers, the bot itself, server administrators and the
owner (they can read every channel; the README says so). Anyone else who can is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

VIEW_CHANNEL = 1 << 10
ADMINISTRATOR = 1 << 3
#: Every permission: what the owner and administrators have.
ALL = (1 << 64) - 1

#: The settings keys (``channels.<key>``) of the channels only the working group may read.
PRIVATE_CHANNELS = ("leads", "checklists", "digest")


@dataclass(frozen=True)
class Overwrite:
    """One entry of a channel's ``permission_overwrites``: for a role (or @everyone) or for one member."""

    target_id: int
    member: bool
    allow: int = 0
    deny: int = 0


@dataclass(frozen=True)
class Role:
    id: int
    name: str
    permissions: int


@dataclass(frozen=True)
class Member:
    """The holder of a member overwrite. ``role_ids`` is None when they are not in the server (now)."""

    id: int
    name: str
    role_ids: frozenset[int] | None


@dataclass(frozen=True)
class Channel:
    """A configured channel as the bot sees it: ``name`` is None when the server has no such channel
    or the bot cannot see it."""

    key: str
    id: int
    name: str | None
    overwrites: tuple[Overwrite, ...] = ()


@dataclass(frozen=True)
class Server:
    """The server's roles (``id`` is also the @everyone role's id) and who belongs in the audience."""

    id: int
    owner_id: int
    roles: Mapping[int, Role]
    #: Roles whose holders may read: the working group, the reviewers, the bot's own.
    insiders: frozenset[int]
    bot_id: int
    bot_role_ids: frozenset[int] = field(default_factory=frozenset)


class Problem(StrEnum):
    MISSING = "missing"
    HIDDEN_FROM_BOT = "hidden_from_bot"
    EVERYONE = "everyone"
    ROLE = "role"
    MEMBER = "member"


@dataclass(frozen=True)
class Exposure:
    """One problem with one channel; ``who_id``/``who_name`` name the role or member it is about."""

    problem: Problem
    channel: Channel
    who_id: int | None = None
    who_name: str | None = None


def permissions(server: Server, channel: Channel, role_ids: Iterable[int] = (), member_id: int | None = None) -> int:
    """What a member holding ``role_ids`` (besides @everyone) may do in ``channel``; with ``member_id``,
    their own overwrite counts too."""
    if member_id is not None and member_id == server.owner_id:
        return ALL
    roles = [r for r in set(role_ids) if r != server.id]
    everyone = server.roles.get(server.id)
    base = everyone.permissions if everyone is not None else 0
    for role_id in roles:
        role = server.roles.get(role_id)
        if role is not None:
            base |= role.permissions
    if base & ADMINISTRATOR:
        return ALL
    by_target = {(o.member, o.target_id): o for o in channel.overwrites}
    result = base
    own = by_target.get((False, server.id))
    if own is not None:
        result = (result & ~own.deny) | own.allow
    allow = deny = 0
    for role_id in roles:
        overwrite = by_target.get((False, role_id))
        if overwrite is not None:
            allow |= overwrite.allow
            deny |= overwrite.deny
    result = (result & ~deny) | allow
    if member_id is not None:
        own = by_target.get((True, member_id))
        if own is not None:
            result = (result & ~own.deny) | own.allow
    return result


def can_view(server: Server, channel: Channel, role_ids: Iterable[int] = (), member_id: int | None = None) -> bool:
    return bool(permissions(server, channel, role_ids, member_id) & VIEW_CHANNEL)


def exposures(server: Server, channel: Channel, members: Mapping[int, Member] | None = None) -> list[Exposure]:
    """Every problem with ``channel``: missing, hidden from the bot, or readable by @everyone, by a role
    outside the working group, or by a member outside it through an overwrite of their own. When
    @everyone can read it, that one line says it all. ``members``: the holders of member overwrites
    (one not given counts as holding no role)."""
    if channel.name is None:
        return [Exposure(Problem.MISSING, channel)]
    found: list[Exposure] = []
    if not can_view(server, channel, server.bot_role_ids, server.bot_id):
        found.append(Exposure(Problem.HIDDEN_FROM_BOT, channel))
    if can_view(server, channel):
        found.append(Exposure(Problem.EVERYONE, channel, server.id, "@everyone"))
        return found
    for role in server.roles.values():
        if role.id == server.id or role.id in server.insiders or role.permissions & ADMINISTRATOR:
            continue
        if can_view(server, channel, [role.id]):
            found.append(Exposure(Problem.ROLE, channel, role.id, role.name))
    members = members or {}
    for overwrite in channel.overwrites:
        if not overwrite.member or overwrite.target_id in (server.bot_id, server.owner_id):
            continue
        member = members.get(overwrite.target_id)
        roles = member.role_ids if member is not None and member.role_ids is not None else frozenset()
        if roles & server.insiders or permissions(server, channel, roles) == ALL:
            continue  # in the working group, or a server administrator
        # Reported only when their own overwrite is what lets them in: otherwise a role line covers them.
        if can_view(server, channel, roles, overwrite.target_id) and not can_view(server, channel, roles):
            name = member.name if member is not None else str(overwrite.target_id)
            found.append(Exposure(Problem.MEMBER, channel, overwrite.target_id, name))
    return found


def check(server: Server, channels: Iterable[Channel], members: Mapping[int, Member] | None = None) -> list[Exposure]:
    """:func:`exposures` of each channel, in order."""
    return [e for channel in channels for e in exposures(server, channel, members)]
