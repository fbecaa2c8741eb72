"""``/digest`` and the scheduled digest through the simulated Discord: timing, content, commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import LeadsSettings
from bot.errors import ConfigError
from bot.services import feedback, leads
from bot.services.access import Access
from bot.services.leads import service as leads_service
from bot.services.leads.review import cast_vote
from bot.sim import Sim

Factory = Callable[..., Awaitable[Sim]]
BERLIN = {"digest": {"timezone": "Europe/Berlin", "schedule": "0 9 * * MON"}}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def log_lead(sim: Sim, partner: str, **draft: Any) -> leads.Lead:
    result = await leads_service.log_lead(
        sim.db,
        sim.guild_id,
        leads.LeadDraft(partner=partner, level=draft.pop("level", "national"), direction="external", **draft),
        owner_id=sim.member("dave").id,
        now=sim.clock(),
        settings=LeadsSettings(),
        check_duplicates=False,
    )
    assert result.lead is not None
    return result.lead


async def runs(sim: Sim) -> list[dict[str, Any]]:
    return [dict(r) for r in await sim.db.fetchall("SELECT * FROM digest_runs ORDER BY id")]


def digest_text(sim: Sim) -> str:
    return "\n".join(m.text for m in sim.channel("digest").messages)


async def test_scheduled_digest_comes_at_the_local_hour(sim_factory: Factory) -> None:
    # Monday 5 January 2026, 07:00 in Berlin (06:00 UTC); the digest is due at 09:00 Berlin time.
    sim = await sim_factory(config=BERLIN, clock=ManualClock(utc(2026, 1, 5, 6)))
    await sim.tick()
    await log_lead(sim, "Europeana", level="global")
    sim.clock.set(utc(2026, 1, 5, 7, 59))
    await sim.tick()
    assert sim.channel("digest").messages == []
    sim.clock.set(utc(2026, 1, 5, 8, 0))  # 09:00 in Berlin
    await sim.tick()
    (message,) = sim.channel("digest").messages
    assert "Partnerships digest" in message.text and "Europeana" in message.text
    end = int(utc(2026, 1, 5, 8).timestamp())
    assert f"<t:{end}:f>" in message.content
    delivered = (await runs(sim))[-1]
    assert delivered["status"] == "delivered" and delivered["period_end"] == end
    assert datetime.fromtimestamp(end, ZoneInfo("Europe/Berlin")).hour == 9
    # Once per period.
    sim.advance(minutes=1)
    await sim.tick()
    sim.advance(days=6, hours=23)
    await sim.tick()
    assert len(sim.channel("digest").messages) == 1


async def test_digest_reports_each_kind_of_activity(sim: Sim) -> None:
    await sim.tick()  # the baseline: the previous Monday 09:00
    lead = await log_lead(sim, "City Museum")
    carol = sim.member("carol").id
    for status in ("assessing", "in_review"):
        await leads.transition(
            sim.db,
            sim.guild_id,
            lead.id,
            status,
            actor_id=carol,
            actor_access=Access.REVIEWER,
            note=None,
            now=sim.clock(),
        )
    await cast_vote(
        sim.db,
        sim.guild_id,
        lead.id,
        "veto",
        reviewer_id=carol,
        reviewer_access=Access.REVIEWER,
        now=sim.clock(),
        rationale="Their licence terms are incompatible with free licences.",
    )
    r = await sim.slash("update post", user="alice")
    await sim.submit(r.modal, {"title": "Brand guidelines agreed", "body": "Details inside."}, user="alice")
    await feedback.submit(sim.db, sim.guild_id, "general", "More updates please", now=sim.clock(), max_length=2000)
    sim.advance(hours=1)
    await sim.tick()
    text = digest_text(sim)
    assert "New leads (1)" in text and "City Museum" in text
    assert "in review → vetoed" not in text  # a veto reads as a veto
    assert f"vetoed by <@{carol}>" in text and "Rationale: Their licence terms are incompatible" in text
    assert "Updates posted (1)" in text and "Brand guidelines agreed" in text
    # Waiting feedback is mentioned, never counted, and not released by one member's item.
    assert "Feedback is waiting for a batch: it is released with a scheduled digest" in text
    assert "More updates please" not in text and "released: 1" not in text
    assert "<t:" in text and ":R>" in text


async def test_quiet_period_posts_one_line(sim: Sim) -> None:
    await sim.tick()
    sim.advance(hours=1)
    await sim.tick()
    (message,) = sim.channel("digest").messages
    assert message.embeds == [] and "quiet period" in message.content and "\n" not in message.content


async def test_skip_empty_posts_nothing_but_moves_on(sim_factory: Factory) -> None:
    sim = await sim_factory(config={"digest": {"skip_empty": True}})
    await sim.tick()
    sim.advance(hours=1)
    await sim.tick()
    assert sim.channel("digest").messages == []
    assert [r["kind"] for r in await runs(sim)] == ["baseline", "skipped_empty"]
    await log_lead(sim, "Late Partner")
    sim.advance(days=7)
    await sim.tick()
    (message,) = sim.channel("digest").messages
    assert "Late Partner" in message.text


async def test_digest_is_posted_in_the_server_language(sim_factory: Factory) -> None:
    sim = await sim_factory(config={"locale": "fr"})
    await sim.tick()
    await log_lead(sim, "Bibliothèque nationale")
    sim.advance(hours=1)
    await sim.tick()
    text = digest_text(sim)
    assert "Bulletin des partenariats" in text and "Nouvelles pistes (1)" in text


async def test_preview_is_private_and_changes_nothing(sim: Sim) -> None:
    await sim.tick()
    await log_lead(sim, "Wikimedia Chapter Partner")
    sim.advance(minutes=1)  # periods are [start, end): what happens at this very second is the next one's
    before = await runs(sim)
    r = await sim.slash("digest preview", user="bob")
    assert r.ephemeral and all(m.ephemeral for m in r.messages)
    assert "nothing was posted" in r.text and "Wikimedia Chapter Partner" in r.text
    assert sim.channel("digest").messages == [] and await runs(sim) == before


async def test_send_posts_now_and_moves_the_watermark(sim: Sim) -> None:
    await sim.tick()
    await log_lead(sim, "Early Partner")
    sim.advance(minutes=30)
    r = await sim.slash("digest send", user="alice")
    assert r.ephemeral and "Digest posted in" in r.text
    (message,) = sim.channel("digest").messages
    assert "Early Partner" in message.text and "sent on request" in message.text
    sent = (await runs(sim))[-1]
    assert sent["kind"] == "manual" and sent["period_end"] == int(sim.clock().timestamp())
    # The scheduled digest half an hour later starts where the manual one ended.
    await log_lead(sim, "Later Partner")
    sim.advance(minutes=30)
    await sim.tick()
    scheduled = sim.channel("digest").messages[-1]
    assert "Later Partner" in scheduled.text and "Early Partner" not in scheduled.text
    assert len(sim.channel("digest").messages) == 2


async def test_next_names_the_local_time_and_a_timestamp(sim_factory: Factory) -> None:
    sim = await sim_factory(config=BERLIN, clock=ManualClock(utc(2026, 1, 6, 12)))
    r = await sim.slash("digest next", user="alice")
    due = int(utc(2026, 1, 12, 8).timestamp())
    assert r.ephemeral
    assert "Monday 12 January 2026, 09:00 (Europe/Berlin)" in r.text
    assert f"<t:{due}:f>" in r.text and f"<t:{due}:R>" in r.text
    fr = await sim.slash("digest next", user="alice", locale="fr")
    assert "lundi 12 janvier 2026, 09:00" in fr.text


async def test_send_covers_what_happened_in_the_same_second(sim: Sim) -> None:
    await sim.tick()
    await log_lead(sim, "Same Second Partner")
    r = await sim.slash("digest send", user="alice")  # the clock has not moved: the same second
    assert "Digest posted in" in r.text
    (message,) = sim.channel("digest").messages
    assert "Same Second Partner" in message.text and "quiet period" not in message.text
    sim.advance(hours=2)
    await sim.slash("digest send", user="alice")
    assert "Same Second Partner" not in sim.channel("digest").messages[-1].text  # not twice


@pytest.mark.parametrize("command", ["digest preview", "digest send", "digest next"])
async def test_members_outside_the_working_group_are_refused(sim: Sim, command: str) -> None:
    await sim.tick()
    await log_lead(sim, "Some Partner")
    before = await runs(sim)
    r = await sim.slash(command, user="dave")
    assert r.ephemeral and "Only the working group can do that." in r.text
    assert sim.channel("digest").messages == [] and await runs(sim) == before


@pytest.mark.parametrize(
    ("digest", "key"),
    [
        ({"schedule": "0 25 * * *"}, "digest.schedule"),
        ({"schedule": "at nine"}, "digest.schedule"),
        ({"timezone": "Europe/Atlantis"}, "digest.timezone"),
    ],
)
async def test_bad_schedule_or_zone_in_config_is_named(sim_factory: Factory, digest: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        await sim_factory(config={"digest": digest})
    assert any(key in problem for problem in caught.value.problems)


async def test_schedule_that_never_fires_is_refused_at_load(sim_factory: Factory) -> None:
    # "0 9 30 2 *" is valid cron syntax for a day that does not exist: refused before the bot starts,
    # rather than a digest that silently never arrives.
    with pytest.raises(ConfigError) as caught:
        await sim_factory(config={"digest": {"schedule": "0 9 30 2 *"}})
    assert any("digest.schedule" in problem and "never fires" in problem for problem in caught.value.problems)
