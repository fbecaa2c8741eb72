"""Digest periods: the watermark (end of the latest delivered or skipped run) and which period is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.clock import from_unix
from bot.db import Database
from bot.services import schedule

#: A fire time later than this when first seen counts as missed (the bot was down), not merely late.
LATE_GRACE = timedelta(minutes=30)
RunKind = Literal["scheduled", "catch_up", "manual", "skipped_catch_up", "skipped_empty", "baseline"]
RunStatus = Literal["pending", "delivered", "skipped"]


@dataclass(frozen=True)
class Period:
    """``[start, end)`` and why it exists."""

    start: datetime
    end: datetime
    kind: RunKind


@dataclass(frozen=True)
class Plan:
    """What a pass should do: periods to close without posting, then at most one to deliver."""

    base: datetime | None
    skips: tuple[Period, ...] = ()
    deliver: Period | None = None


async def watermark(db: Database, guild_id: int) -> datetime | None:
    """End of the latest run that was delivered or deliberately skipped; None before the first."""
    value = await db.fetchval(
        "SELECT MAX(period_end) FROM digest_runs WHERE guild_id = ? AND status IN ('delivered', 'skipped')",
        (guild_id,),
    )
    return None if value is None else from_unix(value)


async def period_start(db: Database, guild_id: int, *, expression: str, timezone: str, now: datetime) -> datetime:
    """Where the next digest starts: the watermark, or before any run the previous fire time."""
    mark = await watermark(db, guild_id)
    if mark is not None:
        return mark
    return schedule.previous_fire(expression, timezone, now)


async def next_due(db: Database, guild_id: int, *, expression: str, timezone: str, now: datetime) -> datetime:
    """When the next scheduled digest will be built (never before ``now`` is past the watermark)."""
    start = await period_start(db, guild_id, expression=expression, timezone=timezone, now=now)
    return schedule.next_fire(expression, timezone, start)


async def plan(
    db: Database,
    guild_id: int,
    *,
    expression: str,
    timezone: str,
    catch_up: Literal["latest_once", "skip"],
    now: datetime,
) -> Plan:
    """Decide, without writing, what this pass owes the schedule.

    - No run yet: a zero-length ``baseline`` at the previous fire time, so the first digest covers one
      ordinary period.
    - No fire time in ``(watermark, now]``: nothing.
    - ``latest_once``: one digest from the watermark to the latest fire time, however many were missed.
    - ``skip``: fire times missed while the bot was down close their periods unposted; a fire time seen
      within :data:`LATE_GRACE` is still delivered, covering only its own period.
    """
    mark = await watermark(db, guild_id)
    if mark is None:
        base = schedule.previous_fire(expression, timezone, now)
        return Plan(base=None, skips=(Period(base, base, "baseline"),))
    latest = schedule.previous_fire(expression, timezone, now)
    if latest <= mark:
        return Plan(base=mark)
    several = schedule.next_fire(expression, timezone, mark) < latest
    if catch_up == "latest_once":
        return Plan(base=mark, deliver=Period(mark, latest, "catch_up" if several else "scheduled"))
    if now - latest > LATE_GRACE:
        return Plan(base=mark, skips=(Period(mark, latest, "skipped_catch_up"),))
    if several:
        before = schedule.previous_fire(expression, timezone, latest - timedelta(seconds=1))
        return Plan(
            base=mark,
            skips=(Period(mark, before, "skipped_catch_up"),),
            deliver=Period(before, latest, "scheduled"),
        )
    return Plan(base=mark, deliver=Period(mark, latest, "scheduled"))


async def manual_plan(db: Database, guild_id: int, *, expression: str, timezone: str, now: datetime) -> Plan:
    """``/digest send``: everything from the watermark up to ``now`` (a whole second: see
    :func:`bot.clock.next_second`)."""
    mark = await watermark(db, guild_id)
    start = mark if mark is not None else schedule.previous_fire(expression, timezone, now)
    return Plan(base=mark, deliver=Period(start, max(start, now), "manual"))
