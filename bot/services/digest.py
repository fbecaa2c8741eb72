"""The periodic digest: what a period held, its text, and exactly-once delivery of its messages.

Delivery is a small state machine over two tables. A run is recorded, with every message it will
post already rendered (``digest_parts.payload``), *before* anything is sent; each part's message id is
recorded right after Discord accepted it; the run becomes ``delivered`` (and the watermark, the end of
the latest delivered or skipped run, moves) only when every part is recorded. A failed send leaves
the run ``pending``; the next pass resends the very same payloads from the first unsent part.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.db import Database, Row
from bot.errors import Conflict
from bot.i18n import t, term
from bot.services import checklists, feedback, leads, schedule, updates

#: A fire time later than this when first seen counts as missed (the bot was down), not merely late.
LATE_GRACE = timedelta(minutes=30)
#: Entries shown per section; the rest are counted in one closing line.
SECTION_LIMIT = 100
#: Longest piece of user text (partner names, rationales, feedback) quoted in one entry.
QUOTE_LIMIT = 300

RunKind = Literal["scheduled", "catch_up", "manual", "skipped_catch_up", "skipped_empty", "baseline"]
RunStatus = Literal["pending", "delivered", "skipped"]


def _unix(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return int(when.timestamp())


def _dt(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


# -- periods and the watermark ---------------------------------------------------------------------


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
    return None if value is None else _dt(value)


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
    """``/digest send``: everything from the watermark up to now."""
    mark = await watermark(db, guild_id)
    start = mark if mark is not None else schedule.previous_fire(expression, timezone, now)
    return Plan(base=mark, deliver=Period(start, max(start, now), "manual"))


# -- runs and parts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestPart:
    position: int
    payload: dict[str, Any]
    nonce: str
    attempted_at: datetime | None
    message_id: int | None
    sent_at: datetime | None

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")


@dataclass(frozen=True)
class DigestRun:
    id: int
    guild_id: int
    period_start: datetime
    period_end: datetime
    kind: str
    status: str
    locale: str
    created_at: datetime
    delivered_at: datetime | None
    attempts: int
    last_attempt_at: datetime | None
    last_error: int | None
    parts: tuple[DigestPart, ...] = field(default=())

    @property
    def unsent(self) -> tuple[DigestPart, ...]:
        return tuple(p for p in self.parts if p.message_id is None)

    @property
    def message_ids(self) -> tuple[int, ...]:
        return tuple(p.message_id for p in self.parts if p.message_id is not None)


def _run(row: Row, parts: Sequence[Row]) -> DigestRun:
    return DigestRun(
        id=row["id"],
        guild_id=row["guild_id"],
        period_start=_dt(row["period_start"]),
        period_end=_dt(row["period_end"]),
        kind=row["kind"],
        status=row["status"],
        locale=row["locale"],
        created_at=_dt(row["created_at"]),
        delivered_at=None if row["delivered_at"] is None else _dt(row["delivered_at"]),
        attempts=row["attempts"],
        last_attempt_at=None if row["last_attempt_at"] is None else _dt(row["last_attempt_at"]),
        last_error=row["last_error"],
        parts=tuple(
            DigestPart(
                position=p["position"],
                payload=json.loads(p["payload"]),
                nonce=p["nonce"],
                attempted_at=None if p["attempted_at"] is None else _dt(p["attempted_at"]),
                message_id=p["message_id"],
                sent_at=None if p["sent_at"] is None else _dt(p["sent_at"]),
            )
            for p in parts
        ),
    )


async def get_run(db: Database, guild_id: int, run_id: int) -> DigestRun | None:
    row = await db.fetchone("SELECT * FROM digest_runs WHERE guild_id = ? AND id = ?", (guild_id, run_id))
    if row is None:
        return None
    parts = await db.fetchall("SELECT * FROM digest_parts WHERE run_id = ? ORDER BY position", (run_id,))
    return _run(row, parts)


async def pending_run(db: Database, guild_id: int) -> DigestRun | None:
    """The run still being delivered, if any (there is at most one)."""
    run_id = await db.fetchval("SELECT id FROM digest_runs WHERE guild_id = ? AND status = 'pending'", (guild_id,))
    return None if run_id is None else await get_run(db, guild_id, int(run_id))


async def list_runs(db: Database, guild_id: int) -> list[DigestRun]:
    """Every run, oldest first (tests and diagnostics)."""
    ids = await db.fetchall("SELECT id FROM digest_runs WHERE guild_id = ? ORDER BY id", (guild_id,))
    runs = [await get_run(db, guild_id, int(r["id"])) for r in ids]
    return [r for r in runs if r is not None]


def new_nonce() -> str:
    """A Discord message nonce (at most 25 characters), kept with the part for every attempt."""
    return secrets.token_hex(10)


async def record(
    db: Database,
    guild_id: int,
    the_plan: Plan,
    *,
    parts: Sequence[dict[str, Any]] = (),
    locale: str,
    now: datetime,
    skip_delivery: RunKind | None = None,
) -> DigestRun | None:
    """Write a plan in one transaction: its skipped periods, then its delivery as a ``pending`` run with
    every part (or, with ``skip_delivery``, as a skipped period of that kind: an empty digest under
    ``skip_empty``). Raises :class:`Conflict` if another pass changed the watermark or holds a pending run
    since the plan was made, so no period is ever recorded twice."""
    deliver = the_plan.deliver
    if deliver is not None and skip_delivery is None and not parts:
        raise ValueError("a delivered digest needs at least one part")
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT MAX(CASE WHEN status != 'pending' THEN period_end END), "
            "COALESCE(SUM(status = 'pending'), 0) FROM digest_runs WHERE guild_id = ?",
            (guild_id,),
        )
        row = await cursor.fetchone()
        assert row is not None
        mark = None if row[0] is None else _dt(row[0])
        if row[1] or mark != the_plan.base:
            raise Conflict("digest.busy")
        for period in the_plan.skips:
            await conn.execute(
                "INSERT INTO digest_runs (guild_id, period_start, period_end, kind, status, locale, "
                "created_at, delivered_at) VALUES (?, ?, ?, ?, 'skipped', ?, ?, NULL)",
                (guild_id, _unix(period.start), _unix(period.end), period.kind, locale, _unix(now)),
            )
        if deliver is None:
            return None
        if skip_delivery is not None:
            await conn.execute(
                "INSERT INTO digest_runs (guild_id, period_start, period_end, kind, status, locale, "
                "created_at) VALUES (?, ?, ?, ?, 'skipped', ?, ?)",
                (guild_id, _unix(deliver.start), _unix(deliver.end), skip_delivery, locale, _unix(now)),
            )
            return None
        cursor = await conn.execute(
            "INSERT INTO digest_runs (guild_id, period_start, period_end, kind, status, locale, created_at) "
            "VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (guild_id, _unix(deliver.start), _unix(deliver.end), deliver.kind, locale, _unix(now)),
        )
        run_id = int(cursor.lastrowid or 0)
        await conn.executemany(
            "INSERT INTO digest_parts (run_id, guild_id, position, payload, nonce) VALUES (?, ?, ?, ?, ?)",
            [
                (run_id, guild_id, position, json.dumps(payload, ensure_ascii=False), new_nonce())
                for position, payload in enumerate(parts)
            ],
        )
    return await get_run(db, guild_id, run_id)


async def record_attempt(db: Database, guild_id: int, run_id: int, position: int, *, now: datetime) -> None:
    """Written just before a part is sent: from now on a resend first looks for the part in the channel."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE digest_parts SET attempted_at = ? WHERE run_id = ? AND guild_id = ? AND position = ?",
            (_unix(now), run_id, guild_id, position),
        )
        await conn.execute(
            "UPDATE digest_runs SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ? AND guild_id = ?",
            (_unix(now), run_id, guild_id),
        )


async def record_part_sent(
    db: Database, guild_id: int, run_id: int, position: int, *, message_id: int, now: datetime
) -> bool:
    """Record that Discord accepted part ``position`` as ``message_id``. When it was the last unsent part the
    run becomes ``delivered`` in the same transaction (the watermark moves). Returns whether it did."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE digest_parts SET message_id = ?, sent_at = ? "
            "WHERE run_id = ? AND guild_id = ? AND position = ? AND message_id IS NULL",
            (message_id, _unix(now), run_id, guild_id, position),
        )
        row = await (
            await conn.execute("SELECT COUNT(*) FROM digest_parts WHERE run_id = ? AND message_id IS NULL", (run_id,))
        ).fetchone()
        remaining = int(row[0]) if row is not None else 0
        if remaining:
            await conn.execute(
                "UPDATE digest_runs SET last_error = NULL WHERE id = ? AND guild_id = ?", (run_id, guild_id)
            )
            return False
        await conn.execute(
            "UPDATE digest_runs SET status = 'delivered', delivered_at = ?, last_error = NULL "
            "WHERE id = ? AND guild_id = ? AND status = 'pending'",
            (_unix(now), run_id, guild_id),
        )
    return True


async def record_failure(db: Database, guild_id: int, run_id: int, *, status: int, now: datetime) -> None:
    """A send failed with HTTP ``status`` (0: timeout or connection); the run stays pending."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE digest_runs SET last_error = ?, last_attempt_at = ? WHERE id = ? AND guild_id = ?",
            (status, _unix(now), run_id, guild_id),
        )


# -- content ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestContent:
    """Everything one digest reports, as the feature services returned it."""

    start: datetime
    end: datetime
    now: datetime
    new_leads: list[leads.Lead]
    moves: list[leads.LeadEvent]
    reviews: list[leads.ReviewState]
    checklists: list[checklists.CompletedRun]
    updates: list[updates.Update]
    feedback: feedback.FeedbackDigest
    flagged: list[leads.Lead]
    stale: list[leads.Lead]

    @property
    def empty(self) -> bool:
        return not (
            self.new_leads
            or self.moves
            or self.reviews
            or self.checklists
            or self.updates
            or self.feedback.released
            or self.feedback.waiting
            or self.flagged
            or self.stale
        )


def is_move(event: leads.LeadEvent) -> bool:
    """Status changes (creation, notes, flags and single approvals are events too, but not moves)."""
    return event.kind == "status" and bool(event.to_status) and event.from_status != event.to_status


async def collect(
    db: Database, guild_id: int, start: datetime, end: datetime, *, now: datetime, stale_days: int
) -> DigestContent:
    """Read the period ``[start, end)`` from every feature (reviews and *needs attention* as of ``now``)."""
    events = await leads.events_between(db, guild_id, start, end)
    flagged, stale = await leads.needs_attention(db, guild_id, now, stale_days)
    return DigestContent(
        start=start,
        end=end,
        now=now,
        new_leads=await leads.created_between(db, guild_id, start, end),
        moves=[e for e in events if is_move(e)],
        reviews=await leads.open_reviews(db, guild_id),
        checklists=await checklists.completed_between(db, guild_id, start, end),
        updates=await updates.posted_between(db, guild_id, start, end),
        feedback=await feedback.digest_info(db, guild_id, start, end),
        flagged=flagged,
        stale=stale,
    )


# -- text -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    entries: tuple[str, ...]


@dataclass(frozen=True)
class RenderedDigest:
    """The digest as plain text: a header line, then sections of whole entries (none when quiet)."""

    header: str
    sections: tuple[Section, ...]
    quiet: bool

    def with_part(self, locale: str, number: int, total: int) -> str:
        """The header carrying the part number; also how a part is recognised in the channel's history."""
        if total <= 1:
            return self.header
        return t(locale, "digest.header_part", header=self.header, number=number, total=total)


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\*_~`|<>[]#"})


def quote(text: str | None, limit: int = QUOTE_LIMIT) -> str:
    """User text made safe for one line of markdown: whitespace collapsed, markup escaped, length capped."""
    flat = " ".join((text or "").split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat.translate(_MARKDOWN)


def stamp(when: datetime, style: str = "f") -> str:
    """A Discord timestamp: every reader sees it in their own time zone and language."""
    return f"<t:{_unix(when)}:{style}>"


def _ref(lead_id: int) -> str:
    return f"L-{lead_id}"


def _count(value: Any) -> int:
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return 0


def _lead_line(locale: str, lead: leads.Lead) -> str:
    return t(
        locale,
        "digest.entry.new_lead",
        ref=lead.ref,
        partner=quote(lead.partner, 120),
        level=term(locale, "level", lead.level),
        direction=term(locale, "direction", lead.direction),
        sector=lead.sector or "—",
        when=stamp(lead.created_at, "R"),
    )


def _move_line(locale: str, event: leads.LeadEvent) -> str:
    params = {
        "ref": _ref(event.lead_id),
        "partner": quote(event.partner, 120),
        "from_status": term(locale, "status", event.from_status) if event.from_status else "—",
        "to_status": term(locale, "status", event.to_status or ""),
        "actor": f"<@{event.actor_id}>" if event.actor_id else t(locale, "digest.actor_system"),
        "when": stamp(event.at, "f"),
    }
    if event.to_status == "vetoed":
        return t(locale, "digest.entry.veto", rationale=quote(event.note) or "—", **params)
    if event.note:
        return t(locale, "digest.entry.move_note", note=quote(event.note, 160), **params)
    return t(locale, "digest.entry.move", **params)


def _review_line(locale: str, review: leads.ReviewState) -> str:
    return t(
        locale,
        "digest.entry.review",
        ref=review.lead.ref,
        partner=quote(review.lead.partner, 120),
        approvals=_count(review.approvals),
        opened=stamp(review.opened_at, "R"),
        closes=stamp(review.closes_at, "f"),
        closes_relative=stamp(review.closes_at, "R"),
    )


def _checklist_line(locale: str, run: checklists.CompletedRun) -> str:
    params = {
        "ref": _ref(run.lead_id),
        "partner": quote(run.partner, 120),
        "questionnaire": quote(run.questionnaire_title, 120),
        "when": stamp(run.completed_at, "R"),
    }
    if not run.flags:
        return t(locale, "digest.entry.checklist_clean", **params)
    flags = "; ".join(
        t(locale, "digest.flag", severity=term(locale, "severity", severity), message=quote(message, 160))
        for severity, message in run.flags
    )
    return t(locale, "digest.entry.checklist_flags", flags=flags, **params)


def _update_line(locale: str, update: updates.Update, guild_id: int) -> str:
    link = (
        f"https://discord.com/channels/{guild_id}/{update.channel_id}/{update.message_id}"
        if update.channel_id and update.message_id
        else ""
    )
    when = stamp(update.posted_at or update.created_at, "R")
    title = quote(update.title, 150)
    if update.area:
        key = "digest.entry.update_area_link" if link else "digest.entry.update_area"
        return t(locale, key, title=title, area=quote(update.area, 60), link=link, when=when)
    key = "digest.entry.update_link" if link else "digest.entry.update"
    return t(locale, key, title=title, link=link, when=when)


def _flagged_line(locale: str, lead: leads.Lead) -> str:
    hard = [f for f in lead.flags if f.source.startswith("hard_line") or f.severity == "high"]
    messages = "; ".join(quote(f.message, 120) for f in (hard or list(lead.flags))) or "—"
    return t(locale, "digest.entry.flagged", ref=lead.ref, partner=quote(lead.partner, 120), flags=messages)


def _stale_line(locale: str, lead: leads.Lead) -> str:
    return t(
        locale,
        "digest.entry.stale",
        ref=lead.ref,
        partner=quote(lead.partner, 120),
        status=term(locale, "status", lead.status),
        since=stamp(lead.updated_at, "R"),
    )


def _section(locale: str, key: str, entries: list[str]) -> Section | None:
    if not entries:
        return None
    shown = entries[:SECTION_LIMIT]
    if len(entries) > SECTION_LIMIT:
        shown.append(t(locale, "digest.more", count=len(entries) - SECTION_LIMIT))
    return Section(
        key=key,
        title=t(locale, f"digest.section.{key}", count=len(entries)),
        entries=tuple(shown),
    )


def render(content: DigestContent, locale: str, *, kind: str = "scheduled", guild_id: int = 0) -> RenderedDigest:
    """The digest's text in ``locale``: plain entries grouped by section, never an entry split."""
    period = {"start": stamp(content.start), "end": stamp(content.end)}
    header_key = {"catch_up": "digest.header_catch_up", "manual": "digest.header_manual"}.get(kind, "digest.header")
    header = t(locale, header_key, **period)
    if content.empty:
        return RenderedDigest(header=t(locale, "digest.quiet", header=header), sections=(), quiet=True)
    fb = content.feedback
    feedback_entries = [
        t(
            locale,
            "digest.entry.feedback",
            topic=term(locale, "feedback.topic", item.topic),
            week=item.week,
            text=quote(item.text, 500),
        )
        for item in fb.released
    ]
    if fb.waiting:
        feedback_entries.append(t(locale, "digest.entry.feedback_waiting", count=fb.waiting))
    attention = [_flagged_line(locale, lead) for lead in content.flagged]
    attention += [_stale_line(locale, lead) for lead in content.stale]
    candidates = [
        _section(locale, "new_leads", [_lead_line(locale, lead) for lead in content.new_leads]),
        _section(locale, "moves", [_move_line(locale, event) for event in content.moves]),
        _section(locale, "reviews", [_review_line(locale, review) for review in content.reviews]),
        _section(locale, "checklists", [_checklist_line(locale, run) for run in content.checklists]),
        _section(locale, "updates", [_update_line(locale, u, guild_id) for u in content.updates]),
        _section(locale, "feedback", feedback_entries),
        _section(locale, "attention", attention),
    ]
    return RenderedDigest(header=header, sections=tuple(s for s in candidates if s is not None), quiet=False)
