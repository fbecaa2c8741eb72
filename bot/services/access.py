"""Who may do what: the role matrix of docs/design.md as plain values."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from bot.config import Settings


class Access(IntEnum):
    """Ordered: each level can do everything the one below can."""

    NONE = 0
    MEMBER = 1
    WORKING_GROUP = 2
    REVIEWER = 3


def access_of(role_ids: Iterable[int], settings: Settings, *, in_guild: bool = True) -> Access:
    """The highest access a guild member with ``role_ids`` has."""
    roles = set(role_ids)
    if settings.roles.reviewers in roles:
        return Access.REVIEWER
    if settings.roles.working_group in roles:
        return Access.WORKING_GROUP
    if not in_guild:
        return Access.NONE
    if settings.roles.members is None or settings.roles.members in roles:
        return Access.MEMBER
    return Access.NONE
