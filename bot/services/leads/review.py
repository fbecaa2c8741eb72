"""Reviews: reviewers approve, veto (with a rationale) or recuse; a lead is approved once it has the
quorum of approvals and has been in review the minimum time, with no veto. A veto ends it at once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed
from bot.services.access import Access
from bot.services.leads.model import RATIONALE_MIN, Lead, LeadEvent, clean_text, from_ts, ref, to_ts
from bot.services.leads.pipeline import apply_move, find_move
from bot.services.leads.queries import leads_in_order
from bot.services.leads.steps import lead_row, record_event

VOTES = ("approve", "veto", "recuse")
RATIONALE_MAX = 1000
#: An approval while high flags are open needs a written reason of at least this many characters.
APPROVAL_REASON_MIN = 10


def needs_approval_reason(lead: Lead) -> bool:
    """Whether approving ``lead`` needs a written reason: it has open high flags."""
    return any(flag.severity == "high" for flag in lead.flags)


@dataclass(frozen=True)
class Veto:
    reviewer_id: int
    rationale: str
    at: datetime


@dataclass(frozen=True)
class ReviewState:
    """A review as the card and the digest show it. ``approvals`` counts approvals that count (not from
    reviewers who recused); ``closes_at`` is the earliest time the lead can be approved."""

    lead: Lead
    opened_at: datetime
    closes_at: datetime
    approvals: int
    vetoes: int
    recused: int
    review_id: int = 0
    quorum: int = 0
    closed_at: datetime | None = None
    outcome: str | None = None
    approver_ids: tuple[int, ...] = ()
    recused_ids: tuple[int, ...] = ()
    veto_details: tuple[Veto, ...] = field(default_factory=tuple)
    #: Approvals given with a written reason (needed while high flags are open): (reviewer, reason).
    approval_reasons: tuple[tuple[int, str], ...] = ()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def eligible(self, reviewers: int) -> int:
        """How many of ``reviewers`` (the members holding the reviewers role) can still vote: those who
        have not recused."""
        return max(reviewers - self.recused, 0)

    def cannot_reach_quorum(self, reviewers: int | None) -> bool:
        """Whether an open review can no longer be approved because too few reviewers are left to vote
        (None: the number of reviewers is not known, so nothing is claimed)."""
        return self.is_open and reviewers is not None and self.eligible(reviewers) < self.quorum

    def due(self, now: datetime) -> bool:
        """Whether the lead should now be approved."""
        return self.is_open and not self.vetoes and self.approvals >= self.quorum and now >= self.closes_at


_REVIEW_COLUMNS = "id, guild_id, lead_id, quorum, opened_at, closes_at, closed_at, outcome"


async def _states(db: Database, guild_id: int, reviews: list[sqlite3.Row]) -> list[ReviewState]:
    if not reviews:
        return []
    leads = {lead.id: lead for lead in await leads_in_order(db, guild_id, [r["lead_id"] for r in reviews])}
    marks = ",".join("?" * len(reviews))
    votes: dict[int, list[sqlite3.Row]] = {}
    for vote in await db.fetchall(
        f"SELECT review_id, reviewer_id, vote, rationale, at FROM review_votes WHERE review_id IN ({marks}) "
        "ORDER BY at, reviewer_id",
        tuple(r["id"] for r in reviews),
    ):
        votes.setdefault(vote["review_id"], []).append(vote)
    lead_marks = ",".join("?" * len(leads))
    high = {
        row[0]: int(row[1])
        for row in await db.fetchall(
            f"SELECT lead_id, max(created_at) FROM lead_flags WHERE severity = 'high' AND lead_id IN ({lead_marks}) "
            "GROUP BY lead_id",
            tuple(leads),
        )
    }
    states = []
    for review in reviews:
        if review["lead_id"] not in leads:
            continue
        mine = votes.get(review["id"], [])
        latest_high = high.get(review["lead_id"])
        approvers = tuple(v["reviewer_id"] for v in mine if _counts(v["vote"], v["rationale"], v["at"], latest_high))
        recused = tuple(v["reviewer_id"] for v in mine if v["vote"] == "recuse")
        vetoes = tuple(
            Veto(v["reviewer_id"], v["rationale"] or "", from_ts(v["at"])) for v in mine if v["vote"] == "veto"
        )
        states.append(
            ReviewState(
                lead=leads[review["lead_id"]],
                opened_at=from_ts(review["opened_at"]),
                closes_at=from_ts(review["closes_at"]),
                approvals=len(approvers),
                vetoes=len(vetoes),
                recused=len(recused),
                review_id=review["id"],
                quorum=review["quorum"],
                closed_at=from_ts(review["closed_at"]) if review["closed_at"] is not None else None,
                outcome=review["outcome"],
                approver_ids=approvers,
                recused_ids=recused,
                veto_details=vetoes,
                approval_reasons=tuple(
                    (v["reviewer_id"], v["rationale"]) for v in mine if v["vote"] == "approve" and v["rationale"]
                ),
            )
        )
    return states


_HIGH_FLAGS = "SELECT count(*), max(created_at) FROM lead_flags WHERE lead_id = ? AND severity = 'high'"


def _high_flags(conn: sqlite3.Connection, lead_id: int) -> tuple[int, int]:
    """How many high flags the lead has open, and when the latest was raised (unix seconds, 0 if none)."""
    found = conn.execute(_HIGH_FLAGS, (lead_id,)).fetchone()
    return (int(found[0]), int(found[1] or 0)) if found else (0, 0)


def _counts(vote: str, reason: str | None, at: int, latest_high: int | None) -> bool:
    """Whether a vote counts as an approval. While the lead has open high flags (``latest_high``: when the
    latest was raised), only an approval given with a written reason after it was raised does: one given
    before has to be given again, knowingly."""
    if vote != "approve":
        return False
    return latest_high is None or (bool(reason) and at >= latest_high)


async def open_reviews(db: Database, guild_id: int) -> list[ReviewState]:
    """Every review still open, the one that can close soonest first."""
    rows = await db.fetchall(
        f"SELECT {_REVIEW_COLUMNS} FROM lead_reviews WHERE guild_id = ? AND closed_at IS NULL ORDER BY closes_at, id",
        (guild_id,),
    )
    return await _states(db, guild_id, rows)


async def review_state(db: Database, guild_id: int, lead_id: int) -> ReviewState | None:
    """The lead's latest review (open or closed), or None if it never was in review."""
    rows = await db.fetchall(
        f"SELECT {_REVIEW_COLUMNS} FROM lead_reviews WHERE guild_id = ? AND lead_id = ? ORDER BY id DESC LIMIT 1",
        (guild_id, lead_id),
    )
    states = await _states(db, guild_id, rows)
    return states[0] if states else None


@dataclass(frozen=True)
class VoteResult:
    state: ReviewState
    #: The vote's own event, then the status move if the vote decided the review.
    events: tuple[LeadEvent, ...]

    @property
    def decided(self) -> LeadEvent | None:
        return next((e for e in self.events if e.kind == "status"), None)


def _open_review(conn: sqlite3.Connection, guild_id: int, lead_id: int) -> sqlite3.Row:
    review: sqlite3.Row | None = conn.execute(
        f"SELECT {_REVIEW_COLUMNS} FROM lead_reviews WHERE guild_id = ? AND lead_id = ? AND closed_at IS NULL",
        (guild_id, lead_id),
    ).fetchone()
    if review is None:
        raise Conflict("review.closed", ref=ref(lead_id))
    return review


def _current_vote(conn: sqlite3.Connection, review_id: int, reviewer_id: int) -> str | None:
    row = conn.execute(
        "SELECT vote FROM review_votes WHERE review_id = ? AND reviewer_id = ?", (review_id, reviewer_id)
    ).fetchone()
    return None if row is None else str(row[0])


async def check_can_vote(db: Database, guild_id: int, lead_id: int, *, reviewer_id: int, access: Access) -> None:
    """Refuse early (before the veto modal opens) what :func:`cast_vote` would refuse anyway."""
    if access < Access.REVIEWER:
        raise NotAllowed("error.needs_role.reviewer")
    await db.call(_check_can_vote, guild_id, lead_id, reviewer_id)


def _check_can_vote(conn: sqlite3.Connection, guild_id: int, lead_id: int, reviewer_id: int) -> None:
    lead_row(conn, guild_id, lead_id)
    review = _open_review(conn, guild_id, lead_id)
    if _current_vote(conn, review["id"], reviewer_id) == "recuse":
        raise Conflict("review.already_recused", ref=ref(lead_id))


async def cast_vote(
    db: Database,
    guild_id: int,
    lead_id: int,
    vote: str,
    *,
    reviewer_id: int,
    reviewer_access: Access,
    now: datetime,
    rationale: str | None = None,
) -> VoteResult:
    """Record a reviewer's approve, veto or recuse on the lead's open review, and decide it when due."""
    if vote not in VOTES:
        raise InvalidInput("review.vote_unknown")
    if reviewer_access < Access.REVIEWER:
        raise NotAllowed("error.needs_role.reviewer")
    reason = clean_text(rationale) if vote != "recuse" else None
    if vote == "veto" and (reason is None or len(reason) < RATIONALE_MIN):
        raise InvalidInput("review.rationale_short", min=RATIONALE_MIN)
    if reason is not None and len(reason) > RATIONALE_MAX:
        raise InvalidInput("lead.text_too_long", field="rationale", max=RATIONALE_MAX, length=len(reason))
    events = await db.run_sync(_cast_vote, guild_id, lead_id, vote, reviewer_id, reason, now)
    state = await review_state(db, guild_id, lead_id)
    assert state is not None
    return VoteResult(state, tuple(events))


def _cast_vote(
    conn: sqlite3.Connection,
    guild_id: int,
    lead_id: int,
    vote: str,
    reviewer_id: int,
    reason: str | None,
    now: datetime,
) -> list[LeadEvent]:
    events: list[LeadEvent] = []
    row = lead_row(conn, guild_id, lead_id)
    if vote == "approve" and (reason is None or len(reason) < APPROVAL_REASON_MIN):
        high, _ = _high_flags(conn, lead_id)
        if high:
            # Whatever path the approval takes, open high flags are never approved over unremarked.
            raise InvalidInput("review.approval_reason", min=APPROVAL_REASON_MIN, count=high)
    review = _open_review(conn, guild_id, lead_id)
    previous = _current_vote(conn, review["id"], reviewer_id)
    if previous == "recuse":
        raise Conflict("review.already_recused", ref=ref(lead_id))
    if previous == vote and not (vote == "approve" and reason):
        raise Conflict("review.already_approved", ref=ref(lead_id))
    if vote == "veto":
        # The veto is a status move like any other: same table, same history.
        move = find_move(row["status"], "vetoed")
        assert move is not None
        events.append(apply_move(conn, row, "vetoed", actor_id=reviewer_id, note=reason, now=now))
    else:
        conn.execute(
            "INSERT INTO review_votes (review_id, guild_id, reviewer_id, vote, rationale, at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (review_id, reviewer_id) DO UPDATE "
            "SET vote = excluded.vote, rationale = excluded.rationale, at = excluded.at",
            (review["id"], guild_id, reviewer_id, vote, reason, to_ts(now)),
        )
        conn.execute("UPDATE lead_reviews SET version = version + 1 WHERE id = ?", (review["id"],))
        events.append(
            record_event(
                conn,
                row,
                actor_id=reviewer_id,
                kind=vote,
                note=reason,
                at=now,
            )
        )
        decided = _decide(conn, row, review, now)
        if decided is not None:
            events.append(decided)
    return events


def _decide(conn: sqlite3.Connection, row: sqlite3.Row, review: sqlite3.Row, now: datetime) -> LeadEvent | None:
    """Approve the lead if the review's terms are met now (the caller holds the transaction)."""
    if to_ts(now) < review["closes_at"]:
        return None
    votes = conn.execute(
        "SELECT vote, reviewer_id, rationale, at FROM review_votes WHERE review_id = ?",
        (review["id"],),
    ).fetchall()
    if any(v[0] == "veto" for v in votes):
        return None
    high, latest = _high_flags(conn, row["id"])
    approvers = [v[1] for v in votes if _counts(v[0], v[2], v[3], latest if high else None)]
    if len(approvers) < review["quorum"]:
        return None
    # The review's terms decide, not whoever voted last: the move has no actor (the history and the
    # digest show it as the review's, or the system's).
    return apply_move(conn, row, "approved", actor_id=None, note=None, now=now)


async def close_due_reviews(db: Database, guild_id: int, now: datetime) -> list[LeadEvent]:
    """Approve every lead whose review has met its terms by ``now`` (the background task's step)."""
    due = await db.fetchall(
        "SELECT r.lead_id FROM lead_reviews r WHERE r.guild_id = ? AND r.closed_at IS NULL AND r.closes_at <= ? "
        "AND (SELECT count(*) FROM review_votes v WHERE v.review_id = r.id AND v.vote = 'approve') >= r.quorum",
        (guild_id, to_ts(now)),
    )
    events = []
    for (lead_id,) in due:
        decided = await db.run_sync(_close_due, guild_id, lead_id, now)
        if decided is not None:
            events.append(decided)
    return events


def _close_due(conn: sqlite3.Connection, guild_id: int, lead_id: int, now: datetime) -> LeadEvent | None:
    """Approve the lead if its review is still open and its terms are met (one lead of close_due_reviews)."""
    row = lead_row(conn, guild_id, lead_id)
    try:
        review = _open_review(conn, guild_id, lead_id)
    except Conflict:
        return None
    if row["status"] != "in_review":
        return None
    return _decide(conn, row, review, now)


# -- review cards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewCardJob:
    review_id: int
    lead_id: int
    version: int
    channel_id: int | None
    message_id: int | None


async def pending_review_cards(db: Database, guild_id: int, *, limit: int = 20) -> list[ReviewCardJob]:
    """Review cards not yet posted, or whose tally changed since they were last drawn."""
    rows = await db.fetchall(
        "SELECT id, lead_id, version, card_channel_id, card_message_id FROM lead_reviews "
        "WHERE guild_id = ? AND card_version < version ORDER BY id LIMIT ?",
        (guild_id, limit),
    )
    return [ReviewCardJob(*tuple(r)) for r in rows]


async def review_card_job(db: Database, guild_id: int, lead_id: int) -> ReviewCardJob | None:
    """The lead's latest review card if it is due (never posted, or the review changed since)."""
    row = await db.fetchone(
        "SELECT id, lead_id, version, card_channel_id, card_message_id, card_version FROM lead_reviews "
        "WHERE guild_id = ? AND lead_id = ? ORDER BY id DESC LIMIT 1",
        (guild_id, lead_id),
    )
    if row is None or row[5] >= row[2]:
        return None
    return ReviewCardJob(*tuple(row)[:5])


async def review_card_done(
    db: Database, guild_id: int, review_id: int, *, version: int, channel_id: int, message_id: int
) -> None:
    await db.run_sync(_record_review_card, guild_id, review_id, version, channel_id, message_id)


def _record_review_card(
    conn: sqlite3.Connection, guild_id: int, review_id: int, version: int, channel_id: int, message_id: int
) -> None:
    conn.execute(
        "UPDATE lead_reviews SET card_channel_id = ?, card_message_id = ?, "
        "card_version = max(card_version, ?) WHERE +guild_id = ? AND id = ?",
        (channel_id, message_id, version, guild_id, review_id),
    )


async def review_card_lost(db: Database, guild_id: int, review_id: int) -> None:
    await db.run_sync(_forget_review_card, guild_id, review_id)


def _forget_review_card(conn: sqlite3.Connection, guild_id: int, review_id: int) -> None:
    conn.execute(
        "UPDATE lead_reviews SET card_message_id = NULL, card_version = 0 WHERE +guild_id = ? AND id = ?",
        (guild_id, review_id),
    )
