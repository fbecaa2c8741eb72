"""Who outside the working group can read a private channel: Discord's permission arithmetic on plain values."""

from __future__ import annotations

from bot.services.audience import (
    ADMINISTRATOR,
    VIEW_CHANNEL,
    Channel,
    Member,
    Overwrite,
    Problem,
    Role,
    Server,
    can_view,
    check,
    exposures,
    permissions,
)

GUILD, OWNER, BOT = 1, 2, 3
WG, REVIEWERS, BOT_ROLE, MEMBERS, MODS, ADMINS = 10, 11, 12, 13, 14, 15
SEND = 1 << 11
EVERYDAY = VIEW_CHANNEL | SEND


def server(everyone: int = EVERYDAY) -> Server:
    roles = {
        GUILD: Role(GUILD, "@everyone", everyone),
        WG: Role(WG, "Working group", EVERYDAY),
        REVIEWERS: Role(REVIEWERS, "Reviewers", EVERYDAY),
        BOT_ROLE: Role(BOT_ROLE, "Partnerships bot", EVERYDAY),
        MEMBERS: Role(MEMBERS, "Movement members", EVERYDAY),
        MODS: Role(MODS, "Moderators", EVERYDAY),
        ADMINS: Role(ADMINS, "Admins", ADMINISTRATOR),
    }
    return Server(GUILD, OWNER, roles, frozenset({WG, REVIEWERS, BOT_ROLE}), BOT, frozenset({BOT_ROLE}))


def private(*extra: Overwrite, key: str = "digest") -> Channel:
    """The recommended setup: @everyone denied, the working group, reviewers and bot allowed."""
    overwrites = (
        Overwrite(GUILD, False, deny=VIEW_CHANNEL),
        Overwrite(WG, False, allow=VIEW_CHANNEL),
        Overwrite(REVIEWERS, False, allow=VIEW_CHANNEL),
        Overwrite(BOT_ROLE, False, allow=VIEW_CHANNEL),
        *extra,
    )
    return Channel(key, 100, key, overwrites)


def kinds(found: list) -> list[tuple[Problem, int | None]]:
    return [(e.problem, e.who_id) for e in found]


def test_a_private_channel_has_no_problem() -> None:
    assert exposures(server(), private()) == []


def test_no_overwrites_means_everyone_reads_it_and_one_line_says_so() -> None:
    found = exposures(server(), Channel("digest", 100, "digest"))
    assert kinds(found) == [(Problem.EVERYONE, GUILD)]  # not one more line for each role
    assert found[0].who_name == "@everyone" and found[0].channel.name == "digest"


def test_everyone_allowed_back_in_by_an_overwrite() -> None:
    channel = Channel("leads", 100, "leads", (Overwrite(GUILD, False, allow=VIEW_CHANNEL),))
    assert kinds(exposures(server(everyone=SEND), channel)) == [(Problem.EVERYONE, GUILD)]


def test_a_role_allowed_on_the_channel_is_named() -> None:
    found = exposures(server(), private(Overwrite(MEMBERS, False, allow=VIEW_CHANNEL), key="checklists"))
    assert kinds(found) == [(Problem.ROLE, MEMBERS)]
    assert found[0].who_name == "Movement members" and found[0].channel.key == "checklists"


def test_a_role_reads_through_its_base_permissions_when_everyone_cannot() -> None:
    # @everyone has no View Channel anywhere; a "verified" role has it and the channel does not deny it.
    channel = Channel("leads", 100, "leads", (Overwrite(WG, False, allow=VIEW_CHANNEL),))
    found = exposures(server(everyone=SEND), channel)
    assert {who for _, who in kinds(found)} == {MEMBERS, MODS}


def test_a_role_denied_on_the_channel_is_fine_even_with_view_in_its_base() -> None:
    channel = Channel("leads", 100, "leads", (Overwrite(MEMBERS, False, deny=VIEW_CHANNEL),))
    found = exposures(server(everyone=SEND), channel)
    assert kinds(found) == [(Problem.ROLE, MODS)]


def test_a_role_allow_wins_over_another_roles_deny() -> None:
    # Discord applies the roles' denies together, then their allows together.
    channel = private(Overwrite(MODS, False, deny=VIEW_CHANNEL), Overwrite(MEMBERS, False, allow=VIEW_CHANNEL))
    assert can_view(server(), channel, [MODS, MEMBERS])
    assert not can_view(server(), channel, [MODS])


def test_administrators_the_working_group_reviewers_and_the_bot_are_not_reported() -> None:
    channel = private(Overwrite(ADMINS, False, deny=VIEW_CHANNEL))
    assert can_view(server(), channel, [ADMINS])  # Administrator overrides every overwrite
    assert exposures(server(), channel) == []


def test_an_administrator_everyone_role_is_reported() -> None:
    assert kinds(exposures(server(everyone=ADMINISTRATOR), private())) == [(Problem.EVERYONE, GUILD)]


def test_a_member_overwrite_is_reported_with_the_members_name() -> None:
    dave = Member(50, "dave", frozenset({MEMBERS}))
    found = exposures(server(), private(Overwrite(50, True, allow=VIEW_CHANNEL)), {50: dave})
    assert kinds(found) == [(Problem.MEMBER, 50)] and found[0].who_name == "dave"


def test_a_member_overwrite_for_someone_in_the_working_group_or_an_admin_is_fine() -> None:
    alice = Member(51, "alice", frozenset({WG}))
    boss = Member(52, "boss", frozenset({ADMINS}))
    channel = private(Overwrite(51, True, allow=VIEW_CHANNEL), Overwrite(52, True, allow=VIEW_CHANNEL))
    assert exposures(server(), channel, {51: alice, 52: boss}) == []


def test_a_member_overwrite_for_the_owner_or_the_bot_is_fine() -> None:
    channel = private(Overwrite(OWNER, True, allow=VIEW_CHANNEL), Overwrite(BOT, True, allow=VIEW_CHANNEL))
    assert exposures(server(), channel) == []


def test_a_member_no_longer_in_the_server_is_reported_by_id() -> None:
    found = exposures(server(), private(Overwrite(60, True, allow=VIEW_CHANNEL)), {60: Member(60, "60", None)})
    assert kinds(found) == [(Problem.MEMBER, 60)]


def test_a_member_denied_on_the_channel_is_fine() -> None:
    channel = private(Overwrite(MEMBERS, False, allow=VIEW_CHANNEL), Overwrite(50, True, deny=VIEW_CHANNEL))
    dave = Member(50, "dave", frozenset({MEMBERS}))
    assert not can_view(server(), channel, [MEMBERS], 50)
    assert kinds(exposures(server(), channel, {50: dave})) == [(Problem.ROLE, MEMBERS)]


def test_a_member_who_reads_through_a_reported_role_is_not_reported_twice() -> None:
    dave = Member(50, "dave", frozenset({MEMBERS}))
    channel = private(Overwrite(MEMBERS, False, allow=VIEW_CHANNEL), Overwrite(50, True, allow=VIEW_CHANNEL))
    assert kinds(exposures(server(), channel, {50: dave})) == [(Problem.ROLE, MEMBERS)]


def test_a_missing_channel_and_one_hidden_from_the_bot() -> None:
    assert kinds(exposures(server(), Channel("leads", 100, None))) == [(Problem.MISSING, None)]
    hidden = Channel("leads", 100, "leads", (Overwrite(GUILD, False, deny=VIEW_CHANNEL),))
    assert kinds(exposures(server(), hidden)) == [(Problem.HIDDEN_FROM_BOT, None)]


def test_owner_has_everything_and_member_overwrites_apply_last() -> None:
    channel = private(Overwrite(MEMBERS, False, allow=VIEW_CHANNEL), Overwrite(50, True, deny=SEND))
    assert permissions(server(), channel, [], OWNER) & VIEW_CHANNEL
    assert permissions(server(), channel, [MEMBERS], 50) == VIEW_CHANNEL


def test_check_covers_each_channel_in_order() -> None:
    found = check(server(), [private(key="leads"), Channel("checklists", 101, "checklists"), private()])
    assert [(e.channel.key, e.problem) for e in found] == [("checklists", Problem.EVERYONE)]
