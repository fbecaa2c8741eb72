"""Control characters in feedback (a leading NUL above all) and what counts as an id collision."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from bot.db import Database
from bot.services import feedback
from bot.services.feedback_text import clean, strip_controls
from bot.sim import Sim

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x00About the intake", "About the intake"),
        ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),
        ("line one\r\nline two\rline three", "line one\nline two\nline three"),
        ("col\tcol\nrow", "col\tcol\nrow"),
        ("\x0b\x0cvertical\x0c", "vertical"),
    ],
)
def test_clean_strips_control_characters_but_keeps_line_breaks_and_tabs(raw: str, expected: str) -> None:
    assert clean(raw, max_length=2000).text == expected
    assert strip_controls(expected) == expected
    assert clean(expected, max_length=2000).text == expected  # idempotent


async def test_a_dm_starting_with_a_nul_is_stored_without_it(sim: Sim) -> None:
    [preview] = await sim.dm("dave", "\x00Europeana\x00 talks\r\nnext week")
    assert "\x00" not in preview.text
    sent = await sim.click(preview, "Send anonymously", user="dave")
    assert sent.updated is not None and "`" in sent.updated.content, sent.text
    rows = await sim.db.feedback.fetchall("SELECT text FROM feedback_items")
    assert [r[0] for r in rows] == ["Europeana talks\nnext week"]


async def test_a_dm_of_only_control_characters_is_refused_and_stores_nothing(sim: Sim) -> None:
    [reply] = await sim.dm("dave", "\x00\x01\x7f")
    assert "There is no text to send" in reply.text
    assert reply.buttons == []
    assert await sim.db.feedback.fetchval("SELECT COUNT(*) FROM feedback_items") == 0


async def test_the_form_with_a_leading_nul_is_stored(sim: Sim) -> None:
    opened = await sim.slash("feedback give", user="dave", topic="general")
    assert opened.modal is not None
    done = await sim.submit(opened.modal, {"text": "\x00About the intake"}, user="dave")
    assert done.reply is not None and "`" in done.reply.content, done.text
    assert await sim.db.feedback.fetchval("SELECT text FROM feedback_items") == "About the intake"


async def test_a_failed_check_is_raised_at_once_not_retried_as_a_collision(db: Database) -> None:
    values = (1, "general", "", "2026-03-02", b"salt", b"hash")  # empty text: CHECK (length(text) > 0)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await db.feedback.run_sync(feedback._insert_item, values)
    assert await db.feedback.fetchval("SELECT COUNT(*) FROM feedback_items") == 0


async def test_an_id_already_taken_is_drawn_again(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await feedback.submit(db, 1, "general", "one", now=NOW, max_length=2000)
    draws = iter([first.item_id - 1, first.item_id - 1, 41])  # randbelow() + 1 is the id
    monkeypatch.setattr(feedback.secrets, "randbelow", lambda _n: next(draws))
    second = await feedback.submit(db, 1, "general", "two", now=NOW, max_length=2000)
    assert second.item_id == 42
    rows = await db.feedback.fetchall("SELECT id, text FROM feedback_items ORDER BY text")
    assert [(r[0], r[1]) for r in rows] == [(first.item_id, "one"), (42, "two")]


async def test_an_id_taken_by_a_released_item_is_drawn_again(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await feedback.submit(db, 1, "general", "one", now=NOW, max_length=2000)
    authors = feedback.Authors()
    authors.note(first.item_id, b"a member")
    assert await feedback.release(db, 1, at=NOW, min_batch=1, authors=authors) == 1
    draws = iter([first.item_id - 1, 41])  # released items keep their id: a new item may not take it
    monkeypatch.setattr(feedback.secrets, "randbelow", lambda _n: next(draws))
    second = await feedback.submit(db, 1, "general", "two", now=NOW, max_length=2000)
    assert second.item_id == 42
    rows = await db.feedback.fetchall("SELECT id, text, batch FROM feedback_items ORDER BY text")
    assert [tuple(r) for r in rows] == [(first.item_id, "one", 1), (42, "two", None)]
