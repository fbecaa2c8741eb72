"""A digest's text in one language: plain entries grouped by section, within Discord's limits."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.clock import to_unix
from bot.i18n import t, term, tn
from bot.services import checklists, feedback, leads, updates
from bot.services.digest.content import DigestContent

#: Entries shown per section; the rest are counted in one closing line.
SECTION_LIMIT = 100
#: Longest piece of user text (partner names, rationales, feedback) quoted in one entry.
QUOTE_LIMIT = 300

T = TypeVar("T")


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


#: Longest feedback text quoted in a digest (longer ones continue in /feedback review).
FEEDBACK_QUOTE = 500


def quote(text: str | None, limit: int = QUOTE_LIMIT) -> str:
    """User text made safe for one line of markdown: whitespace collapsed, markup escaped, length capped."""
    flat = " ".join((text or "").split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat.translate(_MARKDOWN)


def stamp(when: datetime, style: str = "f") -> str:
    """A Discord timestamp: every reader sees it in their own time zone and language."""
    return f"<t:{to_unix(when)}:{style}>"


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
        "digest.entry.new_lead" if lead.sector else "digest.entry.new_lead_no_sector",  # no dangling "—"
        ref=lead.ref,
        partner=quote(lead.partner, 120),
        level=term(locale, "level", lead.level),
        direction=term(locale, "direction", lead.direction),
        sector=lead.sector or "",
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
    if event.kind == "approve":
        return t(locale, "digest.entry.approval_reason", note=quote(event.note), **params)
    if event.to_status == "vetoed":
        return t(locale, "digest.entry.veto", rationale=quote(event.note) or "—", **params)
    if event.note:
        return t(locale, "digest.entry.move_note", note=quote(event.note, 160), **params)
    return t(locale, "digest.entry.move", **params)


def _review_line(locale: str, review: leads.ReviewState, reviewers: int | None) -> str:
    if review.cannot_reach_quorum(reviewers):
        assert reviewers is not None
        params = _quorum_params(review, reviewers)
        return tn(locale, "digest.entry.review_blocked", review.quorum, opened=stamp(review.opened_at, "R"), **params)
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


def _quorum_line(locale: str, review: leads.ReviewState, reviewers: int | None) -> str:
    assert reviewers is not None
    return tn(locale, "digest.entry.quorum", review.quorum, **_quorum_params(review, reviewers))


def _quorum_params(review: leads.ReviewState, reviewers: int) -> dict[str, object]:
    """What a line about a review short of eligible reviewers says of it."""
    return {
        "ref": review.lead.ref,
        "partner": quote(review.lead.partner, 120),
        "eligible": review.eligible(reviewers),
        "quorum": review.quorum,
    }


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


def _wiki_lines(content: DigestContent) -> list[Callable[[str], str]]:
    """Why the wiki's pages are not being kept up to date, if they are not."""
    found = content.wiki
    if found is None:
        return []
    lines: list[Callable[[str], str]] = []
    if found.failing_since is not None:
        params = {"since": stamp(found.failing_since), "reason": quote(found.failure or "", 300)}
        lines.append(functools.partial(_line, "digest.entry.wiki_failing", params))
    for title in found.hand_edited:
        lines.append(functools.partial(_line, "digest.entry.wiki_hand_edited", {"title": quote(title, 200)}))
    return lines


def _line(key: str, params: dict[str, str], locale: str) -> str:
    return t(locale, key, **params)


def _stale_line(locale: str, lead: leads.Lead) -> str:
    return t(
        locale,
        "digest.entry.stale",
        ref=lead.ref,
        partner=quote(lead.partner, 120),
        status=term(locale, "status", lead.status),
        since=stamp(lead.updated_at, "R"),
    )


def _section(locale: str, key: str, items: Sequence[T], line: Callable[[T], str]) -> Section | None:
    """The section ``key`` with the first :data:`SECTION_LIMIT` of ``items`` written out by ``line`` and the
    rest counted. Only the entries shown are written: a busy week holds thousands of moves, and formatting
    them all (to throw most away) kept the event loop, and so every member, waiting."""
    if not items:
        return None
    shown = [line(item) for item in items[:SECTION_LIMIT]]
    if len(items) > SECTION_LIMIT:
        shown.append(t(locale, "digest.more", count=len(items) - SECTION_LIMIT))
    return Section(
        key=key,
        title=t(locale, f"digest.section.{key}", count=len(items)),
        entries=tuple(shown),
    )


def feedback_entry(locale: str, item: feedback.ReleasedItem) -> str:
    """One released item's line, exactly as a digest shows it (a retraction looks for it: runs.py)."""
    topic = term(locale, "feedback.topic", item.topic)
    return t(locale, "digest.entry.feedback", topic=topic, week=item.week, text=quote(item.text, FEEDBACK_QUOTE))


def render(content: DigestContent, locale: str, *, kind: str = "scheduled", guild_id: int = 0) -> RenderedDigest:
    """The digest's text in ``locale``: plain entries grouped by section, never an entry split."""
    period = {"start": stamp(content.start), "end": stamp(content.end)}
    header_key = {"catch_up": "digest.header_catch_up", "manual": "digest.header_manual"}.get(kind, "digest.header")
    header = t(locale, header_key, **period)
    if content.empty:
        return RenderedDigest(header=t(locale, "digest.quiet", header=header), sections=(), quiet=True)
    fb = content.feedback

    def feedback_line(item: feedback.ReleasedItem | None) -> str:
        if item is None:  # the closing line: some feedback still waits (never how much: docs/privacy.md section 4)
            return t(locale, "digest.entry.feedback_waiting")
        return feedback_entry(locale, item)

    feedback_items: list[feedback.ReleasedItem | None] = [*fb.released, *([None] if fb.waiting else [])]
    blocked = [r for r in content.reviews if r.cannot_reach_quorum(content.reviewers)]
    attention: list[Callable[[], str]] = [
        functools.partial(_quorum_line, locale, r, content.reviewers) for r in blocked
    ]
    attention += [functools.partial(_flagged_line, locale, lead) for lead in content.flagged]
    attention += [functools.partial(line, locale) for line in _wiki_lines(content)]
    attention += [functools.partial(_stale_line, locale, lead) for lead in content.stale]
    candidates = [
        _section(locale, "new_leads", content.new_leads, lambda lead: _lead_line(locale, lead)),
        _section(locale, "moves", content.moves, lambda event: _move_line(locale, event)),
        _section(locale, "reviews", content.reviews, lambda review: _review_line(locale, review, content.reviewers)),
        _section(locale, "checklists", content.checklists, lambda run: _checklist_line(locale, run)),
        _section(locale, "updates", content.updates, lambda update: _update_line(locale, update, guild_id)),
        _section(locale, "feedback", feedback_items, feedback_line),
        _section(locale, "attention", attention, lambda line: line()),
    ]
    return RenderedDigest(header=header, sections=tuple(s for s in candidates if s is not None), quiet=False)
