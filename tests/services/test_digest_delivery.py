"""The digest's delivery state machine: plans, runs recorded before sending, parts, the watermark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Database
from bot.errors import Conflict
from bot.services import digest
from bot.services.digest import Period, Plan
from bot.services.feedback import ReleasedItem

GUILD = 7
WEEKLY = {"expression": "0 9 * * MON", "timezone": "UTC"}
MONDAY = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a fire time
PARTS = [{"content": "part one", "embeds": []}, {"content": "part two", "embeds": [{"title": "x"}]}]


def at(days: float = 0, hours: float = 0) -> datetime:
    return MONDAY + timedelta(days=days, hours=hours)


async def _plan(db: Database, now: datetime, catch_up: str = "latest_once") -> Plan:
    return await digest.plan(db, GUILD, catch_up=catch_up, now=now, **WEEKLY)  # type: ignore[arg-type]


async def _baseline(db: Database, now: datetime) -> None:
    first = await _plan(db, now)
    assert first.deliver is None and [p.kind for p in first.skips] == ["baseline"]
    await digest.record(db, GUILD, first, locale="en", now=now)


async def _deliver_all(db: Database, run: digest.DigestRun, now: datetime, first_id: int = 1000) -> None:
    for offset, part in enumerate(run.unsent):
        await digest.record_attempt(db, GUILD, run.id, part.position, now=now)
        await digest.record_part_sent(db, GUILD, run.id, part.position, message_id=first_id + offset, now=now)


async def test_first_pass_sets_a_baseline_at_the_previous_fire(db: Database) -> None:
    assert await digest.watermark(db, GUILD) is None
    await _baseline(db, at(hours=-1))
    assert await digest.watermark(db, GUILD) == at(days=-7)
    assert (await _plan(db, at(hours=-1))).deliver is None


async def test_due_period_runs_from_watermark_to_fire_time(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    plan = await _plan(db, at())
    assert plan.deliver == Period(at(days=-7), MONDAY, "scheduled")


async def test_run_is_recorded_with_parts_before_sending_and_delivered_part_by_part(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    plan = await _plan(db, at(hours=0.1))
    run = await digest.record(db, GUILD, plan, parts=PARTS, locale="fr", now=at(hours=0.1))
    assert run is not None and run.status == "pending" and run.locale == "fr"
    assert [p.payload for p in run.parts] == PARTS
    assert len({p.nonce for p in run.parts}) == 2 and all(len(p.nonce) <= 25 for p in run.parts)
    # Nothing moves until every part is accepted.
    assert await digest.watermark(db, GUILD) == at(days=-7)
    await digest.record_attempt(db, GUILD, run.id, 0, now=at(hours=0.1))
    assert not await digest.record_part_sent(db, GUILD, run.id, 0, message_id=501, now=at(hours=0.1))
    pending = await digest.pending_run(db, GUILD)
    assert pending is not None and [p.position for p in pending.unsent] == [1]
    assert pending.attempts == 1 and pending.parts[0].attempted_at == at(hours=0.1)
    # A posted part keeps no payload (Discord has it); the unsent one keeps what it will post.
    assert [p.payload for p in pending.parts] == [{}, PARTS[1]]
    assert await digest.watermark(db, GUILD) == at(days=-7)
    await digest.record_attempt(db, GUILD, run.id, 1, now=at(hours=0.2))
    assert await digest.record_part_sent(db, GUILD, run.id, 1, message_id=502, now=at(hours=0.2))
    done = await digest.get_run(db, GUILD, run.id)
    assert done is not None and done.status == "delivered" and done.message_ids == (501, 502)
    assert done.delivered_at == at(hours=0.2)
    assert [p.payload for p in done.parts] == [{}, {}]
    assert await digest.pending_run(db, GUILD) is None
    assert await digest.watermark(db, GUILD) == MONDAY
    assert (await _plan(db, at(hours=1))).deliver is None


async def test_a_part_recorded_twice_keeps_its_first_message(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    run = await digest.record(db, GUILD, await _plan(db, at()), parts=PARTS[:1], locale="en", now=at())
    assert run is not None
    await digest.record_part_sent(db, GUILD, run.id, 0, message_id=1, now=at())
    await digest.record_part_sent(db, GUILD, run.id, 0, message_id=2, now=at())
    again = await digest.get_run(db, GUILD, run.id)
    assert again is not None and again.message_ids == (1,)


async def test_failure_keeps_the_run_pending_with_the_same_content(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    run = await digest.record(db, GUILD, await _plan(db, at()), parts=PARTS, locale="en", now=at())
    assert run is not None
    await digest.record_attempt(db, GUILD, run.id, 0, now=at())
    await digest.record_failure(db, GUILD, run.id, status=403, now=at())
    pending = await digest.pending_run(db, GUILD)
    assert pending is not None and pending.last_error == 403
    assert [p.payload for p in pending.parts] == PARTS
    assert [p.nonce for p in pending.parts] == [p.nonce for p in run.parts]
    # While a run is pending, no other can be recorded for the same or a later period.
    with pytest.raises(Conflict):
        await digest.record(db, GUILD, await _plan(db, at(days=7)), parts=PARTS, locale="en", now=at(days=7))
    await _deliver_all(db, pending, at(hours=1))
    after = await digest.get_run(db, GUILD, run.id)
    assert after is not None and after.status == "delivered" and after.last_error is None


async def test_a_stale_plan_is_refused(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    plan = await _plan(db, at())
    run = await digest.record(db, GUILD, plan, parts=PARTS, locale="en", now=at())
    assert run is not None
    await _deliver_all(db, run, at())
    with pytest.raises(Conflict):
        await digest.record(db, GUILD, plan, parts=PARTS, locale="en", now=at())
    assert len(await digest.list_runs(db, GUILD)) == 2


async def test_latest_once_catches_up_everything_missed_in_one_run(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    plan = await _plan(db, at(days=22))  # three Mondays went by
    assert plan.skips == ()
    assert plan.deliver == Period(at(days=-7), at(days=21), "catch_up")


async def test_skip_moves_the_watermark_over_missed_periods(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    plan = await _plan(db, at(days=22), catch_up="skip")
    assert plan.deliver is None and plan.skips == (Period(at(days=-7), at(days=21), "skipped_catch_up"),)
    await digest.record(db, GUILD, plan, locale="en", now=at(days=22))
    assert await digest.watermark(db, GUILD) == at(days=21)
    assert (await _plan(db, at(days=22), catch_up="skip")).deliver is None


async def test_skip_still_delivers_a_fire_time_that_is_only_minutes_late(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    plan = await _plan(db, at(days=21, hours=0.2), catch_up="skip")
    assert plan.skips == (Period(at(days=-7), at(days=14), "skipped_catch_up"),)
    assert plan.deliver == Period(at(days=14), at(days=21), "scheduled")
    # One fire time, a few minutes late: an ordinary delivery.
    fresh = await _plan(db, at(hours=0.2), catch_up="skip")
    assert fresh.skips == () and fresh.deliver == Period(at(days=-7), MONDAY, "scheduled")


async def test_empty_period_can_be_closed_without_posting(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    plan = await _plan(db, at())
    assert await digest.record(db, GUILD, plan, locale="en", now=at(), skip_delivery="skipped_empty") is None
    assert await digest.watermark(db, GUILD) == MONDAY
    assert [r.kind for r in await digest.list_runs(db, GUILD)] == ["baseline", "skipped_empty"]


async def test_manual_plan_runs_to_now(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    plan = await digest.manual_plan(db, GUILD, now=at(days=2), **WEEKLY)
    assert plan.deliver == Period(at(days=-7), at(days=2), "manual")
    run = await digest.record(db, GUILD, plan, parts=PARTS[:1], locale="en", now=at(days=2))
    assert run is not None
    await _deliver_all(db, run, at(days=2))
    assert await digest.watermark(db, GUILD) == at(days=2)
    # The next scheduled digest covers only what came after the manual one.
    nxt = await _plan(db, at(days=7))
    assert nxt.deliver == Period(at(days=2), at(days=7), "scheduled")


async def test_next_due_and_period_start(db: Database) -> None:
    assert await digest.period_start(db, GUILD, now=at(days=1), **WEEKLY) == MONDAY
    assert await digest.next_due(db, GUILD, now=at(days=1), **WEEKLY) == at(days=7)


async def test_guilds_are_separate(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    assert await digest.watermark(db, GUILD + 1) is None


async def test_withdrawn_feedback_is_replaced_in_the_parts_not_yet_posted(db: Database) -> None:
    await _baseline(db, at(hours=-1))
    thought = ReleasedItem(topic="general", week="2026-W02", text="A private thought")
    other = ReleasedItem(topic="process", week="2026-W02", text="Another one")
    short = ReleasedItem(topic="general", week="2026-W02", text="ok")
    line, kept = digest.feedback_entry("en", thought), digest.feedback_entry("en", other)
    quoted = [
        {"content": line, "embeds": []},
        {"content": "", "embeds": [{"title": "Feedback", "description": f"**L-1** Okapi Books\n{line}\n{kept}"}]},
    ]
    run = await digest.record(db, GUILD, await _plan(db, at()), parts=quoted, locale="en", now=at())
    assert run is not None
    await digest.record_part_sent(db, GUILD, run.id, 0, message_id=501, now=at())
    assert await digest.scrub_feedback(db, GUILD, [thought]) == 1  # the posted part holds nothing
    pending = await digest.pending_run(db, GUILD)
    assert pending is not None and pending.parts[0].payload == {}
    [embed] = pending.parts[1].payload["embeds"]
    assert "A private thought" not in embed["description"] and kept in embed["description"]
    assert "withdrawn by its author" in embed["description"]
    assert await digest.scrub_feedback(db, GUILD, [ReleasedItem("other", "2026-W01", "Not in any digest")]) == 0
    # A short text is replaced only as a whole feedback line, never inside other words.
    assert await digest.scrub_feedback(db, GUILD, [short]) == 0
    pending = await digest.pending_run(db, GUILD)
    assert pending is not None and "**L-1** Okapi Books" in pending.parts[1].payload["embeds"][0]["description"]
