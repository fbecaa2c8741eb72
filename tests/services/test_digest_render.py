"""The digest's text: sections of whole entries, Discord timestamps, escaping, quiet periods."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.services.checklists import CompletedRun
from bot.services.digest import SECTION_LIMIT, DigestContent, quote, render, stamp
from bot.services.feedback import FeedbackDigest, ReleasedItem
from bot.services.leads.model import Flag, Lead, LeadEvent
from bot.services.leads.review import ReviewState
from bot.services.updates import Update

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
END = START + timedelta(days=7)


def lead(lead_id: int = 1, partner: str = "Europeana", **kw: object) -> Lead:
    values: dict = {
        "id": lead_id,
        "guild_id": 1,
        "partner": partner,
        "aliases": (),
        "direction": "external",
        "level": "global",
        "sector": "GLAM",
        "tier": None,
        "entity": None,
        "summary": None,
        "offer": None,
        "ask": None,
        "contact": None,
        "link": None,
        "visibility": "wg",
        "status": "logged",
        "owner_id": 5,
        "created_at": START + timedelta(hours=1),
        "updated_at": START + timedelta(hours=1),
        "flags": (),
    }
    values.update(kw)
    return Lead(**values)


def event(lead_id: int, from_status: str, to_status: str, note: str | None = None, **kw: object) -> LeadEvent:
    values: dict = {
        "id": 1,
        "guild_id": 1,
        "lead_id": lead_id,
        "partner": "Europeana",
        "actor_id": 77,
        "from_status": from_status,
        "to_status": to_status,
        "note": note,
        "kind": "status",
        "at": START + timedelta(days=1),
    }
    values.update(kw)
    return LeadEvent(**values)


def content(**kw: object) -> DigestContent:
    values: dict = {
        "start": START,
        "end": END,
        "now": END,
        "new_leads": [],
        "moves": [],
        "reviews": [],
        "checklists": [],
        "updates": [],
        "feedback": FeedbackDigest(released=[], waiting=False),
        "flagged": [],
        "stale": [],
    }
    values.update(kw)
    return DigestContent(**values)


def text(rendered: object) -> str:
    return "\n".join(
        [rendered.header] + [s.title + "\n" + "\n".join(s.entries) for s in rendered.sections]  # type: ignore[attr-defined]
    )


def test_quiet_period_is_one_line_with_the_period() -> None:
    rendered = render(content(), "en")
    assert rendered.quiet and rendered.sections == ()
    assert "\n" not in rendered.header and "quiet period" in rendered.header
    assert stamp(START) in rendered.header and stamp(END) in rendered.header
    assert stamp(START) == f"<t:{int(START.timestamp())}:f>"


def test_every_section_renders_with_timestamps() -> None:
    review_lead = lead(3, "Library of Alexandria", status="in_review")
    rendered = render(
        content(
            new_leads=[lead(1)],
            moves=[
                event(1, "logged", "assessing"),
                event(2, "in_review", "vetoed", "Conflicts with our *values*", partner="Acme"),
                event(4, "in_review", "approved", actor_id=None),
            ],
            reviews=[
                ReviewState(
                    lead=review_lead,
                    opened_at=START,
                    closes_at=START + timedelta(days=3),
                    approvals=1,
                    vetoes=0,
                    recused=0,
                )
            ],
            checklists=[
                CompletedRun(1, 1, "Europeana", "Partnership assessment", START, [("high", "Shares user data")]),
                CompletedRun(2, 3, "Library", "Partnership assessment", START, []),
            ],
            updates=[
                Update(9, 1, "legal", "Contract template", "b", None, 5, START, 10, 11, START, None),
                Update(10, 1, None, "No post yet", "b", None, 5, START, None, None, START, None),
            ],
            feedback=FeedbackDigest(
                released=[ReleasedItem("process", "2026-W02", "Please decide faster")], waiting=True
            ),
            flagged=[lead(5, "Oil Corp", flags=(Flag("hard_line:fossil", "high", "Fossil fuel company"),))],
            stale=[lead(6, "Sleepy Museum", status="assessing", updated_at=START - timedelta(days=40))],
        ),
        "en",
        guild_id=1,
    )
    assert not rendered.quiet
    keys = [s.key for s in rendered.sections]
    assert keys == ["new_leads", "moves", "reviews", "checklists", "updates", "feedback", "attention"]
    body = text(rendered)
    assert "**L-1** Europeana · global, external, GLAM" in body
    assert "logged → assessing by <@77>" in body
    assert "vetoed by <@77>" in body and "Rationale: Conflicts with our \\*values\\*" in body
    assert "the bot (review rules)" in body
    closes = START + timedelta(days=3)
    assert f"can close {stamp(closes)} ({stamp(closes, 'R')})" in body
    assert "Flags: high: Shares user data" in body and "no flags" in body
    assert "[Contract template](https://discord.com/channels/1/10/11) · legal" in body
    assert "*The working group's process*, 2026-W02: Please decide faster" in body
    # Whether feedback waits is said, never how much.
    assert (
        "Feedback is waiting for a batch: it is released with a scheduled digest once it comes from enough"
        " different members." in body
    )
    assert not re.search(r"waiting[^\n]*\d", body)
    assert "⚠ **L-5** Oil Corp: Fossil fuel company" in body
    assert f"**L-6** Sleepy Museum: assessing, last activity {stamp(START - timedelta(days=40), 'R')}" in body


def test_waiting_feedback_alone_is_not_quiet() -> None:
    rendered = render(content(feedback=FeedbackDigest(released=[], waiting=True)), "en")
    assert not rendered.quiet and [s.key for s in rendered.sections] == ["feedback"]


def test_long_sections_are_capped_with_a_count() -> None:
    many = [lead(i, f"Partner {i}") for i in range(SECTION_LIMIT + 25)]
    rendered = render(content(new_leads=many), "en")
    (section,) = rendered.sections
    assert len(section.entries) == SECTION_LIMIT + 1
    assert section.entries[-1] == "…and 25 more."
    assert section.title == f"New leads ({SECTION_LIMIT + 25})"


def test_user_text_cannot_break_the_layout_or_ping() -> None:
    nasty = "Evil\n\n**Corp** <@&123> @everyone [click](https://x) " + "x" * 500
    rendered = render(content(new_leads=[lead(1, nasty)]), "en")
    entry = rendered.sections[0].entries[0]
    assert "\n" not in entry and "\\*\\*Corp\\*\\*" in entry and "\\<@&123\\>" in entry
    assert "\\[click\\]" in entry and len(entry) < 400


def test_quote_keeps_any_script() -> None:
    assert quote("  شراكة   مع\nالمكتبة ") == "شراكة مع المكتبة"
    assert quote("Партнёрство 合作") == "Партнёрство 合作"


def test_translated_digest_keeps_timestamps() -> None:
    for locale in ("es", "fr", "ar"):
        rendered = render(content(new_leads=[lead(1)]), locale)
        assert stamp(START) in rendered.header and "L-1" in rendered.sections[0].entries[0]
        assert rendered.sections[0].title != "New leads (1)"


def test_part_header_numbers_parts() -> None:
    rendered = render(content(new_leads=[lead(1)]), "en")
    assert rendered.with_part("en", 1, 1) == rendered.header
    assert rendered.with_part("en", 2, 3).endswith("· part 2 of 3")
