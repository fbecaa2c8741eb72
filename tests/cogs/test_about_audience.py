"""The private channels' audience, checked through bot/sim: the guild's roles carry permissions and its
channels ``permission_overwrites``; warnings go to the log at start and to the working group in /about."""

from __future__ import annotations

import logging

import pytest

from bot.services.audience import VIEW_CHANNEL
from bot.sim import Sim
from bot.sim.models import InteractionResult

LOGGER = "bot.cogs.about._audience"


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


async def restart_and_read_the_log(sim: Sim, caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await sim.restart()
    return warnings(caplog)


def privacy_section(r: InteractionResult) -> str | None:
    """The second embed of the private /about reply, after what the bot is and the commands."""
    assert r.reply is not None and r.ephemeral
    about, *rest = r.reply.embeds
    assert "/about" in about["fields"][0]["value"]
    if not rest:
        return None
    (section,) = rest
    assert section["color"] == 0xFC3 and "(" in section["title"]
    return str(section["description"])


async def test_the_recommended_setup_gives_no_warning(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    assert await restart_and_read_the_log(sim, caplog) == []
    assert privacy_section(await sim.slash("about", user="alice")) is None
    assert privacy_section(await sim.slash("about", user="carol")) is None


async def test_everyone_reading_the_digest_channel_is_named(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    sim.overwrite("digest", "@everyone")  # the deny removed: @everyone's own View Channel applies
    section = privacy_section(await sim.slash("about", user="alice"))
    assert section is not None and "#digest (channels.digest): everyone in the server can read it" in section
    assert "README" in section
    (line,) = await restart_and_read_the_log(sim, caplog)
    assert "#digest (channels.digest) can be read by @everyone" in line


async def test_a_members_role_allowed_on_the_checklists_channel_is_named(
    sim_factory, caplog: pytest.LogCaptureFixture
) -> None:
    sim = await sim_factory(config={"roles": {"members": "members"}})
    sim.overwrite("checklists", "members", allow=VIEW_CHANNEL)
    section = privacy_section(await sim.slash("about", user="bob"))
    assert section is not None and "#checklists (channels.checklists): the role Movement members can read it" in section
    (line,) = await restart_and_read_the_log(sim, caplog)
    assert "#checklists" in line and "'Movement members'" in line and str(sim.role_ids["members"]) in line


async def test_a_member_overwrite_is_named(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    sim.overwrite("leads", "dave", allow=VIEW_CHANNEL)
    section = privacy_section(await sim.slash("about", user="alice"))
    assert section is not None and "#leads (channels.leads): dave can read it" in section
    (line,) = await restart_and_read_the_log(sim, caplog)
    assert "#leads" in line and "member dave" in line and str(sim.member("dave").id) in line


async def test_only_the_working_group_sees_the_section(sim: Sim) -> None:
    sim.overwrite("digest", "@everyone")
    assert privacy_section(await sim.slash("about", user="dave")) is None
    assert privacy_section(await sim.slash("about", user="dave", dm=True)) is None
    in_a_dm = privacy_section(await sim.slash("about", user="alice", dm=True))
    assert in_a_dm is not None and "#digest" in in_a_dm


async def test_working_group_members_admins_and_the_bot_are_not_reported(
    sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    admins = sim.server.add_role("Server admins", permissions=str(1 << 3))  # Administrator; seen after restart
    sim.server.set_overwrite(sim.channel("leads"), admins, allow=VIEW_CHANNEL)
    sim.overwrite("leads", "bob", allow=VIEW_CHANNEL)  # in the working group anyway
    sim.overwrite("digest", "bot", allow=VIEW_CHANNEL | (1 << 11))
    assert await restart_and_read_the_log(sim, caplog) == []
    assert privacy_section(await sim.slash("about", user="alice")) is None


async def test_a_missing_channel_and_one_the_bot_cannot_see(sim_factory, caplog: pytest.LogCaptureFixture) -> None:
    sim = await sim_factory(config={"channels": {"leads": 1234567890123456}})
    sim.server.set_role_permissions(sim.server.bot_role_id, sim.server.everyone_permissions)  # no longer admin
    sim.overwrite("digest", "bot", deny=VIEW_CHANNEL)
    lines = await restart_and_read_the_log(sim, caplog)
    assert lines == [
        "channels.leads (1234567890123456): no such channel, or the bot cannot see it",
        "#digest (channels.digest): the bot cannot see it",
    ]
    section = privacy_section(await sim.slash("about", user="alice", locale="fr"))
    assert section is not None and "channels.leads\u202f: ce salon n'existe pas" in section


async def test_the_section_is_translated(sim: Sim) -> None:
    sim.overwrite("digest", "@everyone")
    r = await sim.slash("about", user="alice", locale="es-ES")
    assert r.reply is not None and r.reply.embeds[1]["title"].startswith("La privacidad de los canales")
    assert "#digest (channels.digest): todo el servidor puede leerlo." in str(privacy_section(r))


async def test_members_the_bot_has_not_met_are_asked_of_discord(sim: Sim) -> None:
    frank = sim.add_member("frank", roles=["working_group"])
    gwen = sim.add_user("gwen")  # someone who has left the server; their overwrite stayed
    guild = sim.bot.get_guild(sim.guild_id)
    assert guild is not None
    guild._remove_member(guild.get_member(frank.id))  # type: ignore[arg-type]
    sim.overwrite("leads", "frank", allow=VIEW_CHANNEL)
    sim.overwrite("leads", "gwen", allow=VIEW_CHANNEL)
    section = privacy_section(await sim.slash("about", user="alice"))
    assert section is not None and "frank" not in section
    assert f"#leads (channels.leads): {gwen.id} can read it" in section
    asked = [r for r in sim.server.requests if "/members/" in r]
    assert any(str(frank.id) in r for r in asked) and any(str(gwen.id) in r for r in asked)
