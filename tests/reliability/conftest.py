"""Helpers shared by the reliability suite: a fingerprint of the whole database, a watch on errors the
bot did not handle, and checks that a reply is a clear private refusal."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.config import LeadsSettings
from bot.db import Database
from bot.services import leads
from bot.services.leads.service import log_lead
from bot.sim import Sim
from bot.sim.models import InteractionResult, SimMessage

#: What a reply must never show a user: Python's traceback, a placeholder left unformatted.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")
PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*\}(?!\})")
#: The apology report_error gives for an error nobody expected (the bug is then in the bot).
UNEXPECTED = "something went wrong on my side"


async def dump(db: Database) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows, the feedback store's included (as
    ``feedback store: <table>``): equal dumps mean unchanged databases."""
    result = await _dump_tables(db)
    store = getattr(db, "feedback", None)
    if store is not None:
        result |= {f"feedback store: {name}": value for name, value in (await _dump_tables(store)).items()}
    return result


async def _dump_tables(db: Database) -> dict[str, tuple[int, str]]:
    names = [
        r[0]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    result: dict[str, tuple[int, str]] = {}
    for name in names:
        rows = sorted(repr(tuple(r)) for r in await db.fetchall(f'SELECT * FROM "{name}"'))
        digest = hashlib.sha256("\n".join(rows).encode("utf-8", "surrogatepass")).hexdigest()
        result[name] = (len(rows), digest)
    return result


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Watch:
    """Log records (ERROR and above, plus anything mentioning a locked database) and exceptions of
    tasks nobody awaited, while it is installed."""

    def __init__(self) -> None:
        self._handler = _Collector()
        self.task_errors: list[str] = []

    def texts(self, level: int = logging.DEBUG) -> list[str]:
        return [self._handler.format(r) for r in self._handler.records if r.levelno >= level]

    @property
    def errors(self) -> list[str]:
        """Every ERROR record (discord.py's "Ignoring exception in ...", report_error's "unexpected
        error", a failed listener, a crashed task) with its traceback."""
        return self.texts(logging.ERROR) + self.task_errors

    @property
    def locked(self) -> list[str]:
        return [text for text in self.texts() + self.task_errors if "database is locked" in text]

    def clear(self) -> None:
        self._handler.records.clear()
        self.task_errors.clear()

    def check(self) -> None:
        gc.collect()  # a task whose exception was never retrieved reports it when collected
        assert not self.errors, "\n\n".join(self.errors)
        assert not self.locked, self.locked

    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        self.task_errors.append(f"{context.get('message')}: {exc!r}")


@contextmanager
def watch(level: int | None = None) -> Iterator[Watch]:
    """``with watch() as w: ...; w.check()``: everything unhandled while the bot runs. ``level`` lowers
    the root logger's level meanwhile (INFO: see every record the bot writes, not only warnings)."""
    found = Watch()
    root = logging.getLogger()
    saved_level = root.level
    if level is not None:
        root.setLevel(level)
    root.addHandler(found._handler)
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(found._on_loop_error)
    try:
        yield found
    finally:
        gc.collect()
        loop.set_exception_handler(previous)
        root.removeHandler(found._handler)
        root.setLevel(saved_level)


def assert_clear_refusal(r: InteractionResult, *needles: str) -> str:
    """A refusal: one private, non-empty, plain message (no traceback, no placeholder, no apology)."""
    assert r.modal is None, r
    assert r.reply is not None, f"no reply at all: {r!r}"
    assert r.ephemeral, f"a refusal must be private: {r!r}"
    text = r.text
    assert text.strip(), r
    assert_plain(text)
    assert UNEXPECTED not in text, f"an unexpected error, not a clear refusal: {text!r}"
    for needle in needles:
        assert needle in text, (needle, text)
    return text


def assert_plain(text: str) -> None:
    """User-facing text without a traceback or a ``{placeholder}`` left unformatted."""
    assert not TRACEBACK.search(text), text
    match = PLACEHOLDER.search(text)
    assert match is None, f"unformatted placeholder {match.group(0) if match else ''!r} in {text!r}"


def answered(r: InteractionResult) -> bool:
    """The user saw something: a message, a modal, or the pressed message updated."""
    return r.reply is not None or r.modal is not None or r.updated is not None


# -- setting the scene --------------------------------------------------------------------------------

#: The shipped partnership assessment, answered in order: (question id, how).
ANSWERS: list[tuple[str, Any]] = [
    ("level_fit", "Yes"),
    ("direction", ["external"]),
    ("values_overlap", "4"),
    ("hard_lines", "No"),
    ("we_give", ("text", "Two editathons a year")),
    ("we_get", ("text", "Access to the photo archive")),
    ("worth_it", "4"),
    ("knowledge_equity", "Skip"),
    ("user_data", "No"),
    ("brand_risk", "2"),
    ("strategy_fit", ["yes"]),
    ("consulted", "Skip"),
    ("prior_partnerships", ["none"]),
    ("tier", ["collaborative"]),
    ("contact_authority", "Yes"),
    ("agreement", ["deliverables"]),
    ("open_to_others", "Yes"),
    ("licensing", ["free"]),
    ("documentation", ["wiki"]),
    ("capacity", "3"),
    ("impact", ("text", "Articles improved")),
]


async def answer(sim: Sim, message: SimMessage, how: Any, user: str) -> InteractionResult:
    """Answer the checklist question on ``message`` as a member would (button, select or text modal)."""
    if isinstance(how, list):
        r = await sim.select(message, how, user=user)
    elif isinstance(how, tuple):
        opened = await sim.click(message, "Answer", user=user)
        assert opened.modal is not None, opened.text
        r = await sim.submit(opened.modal, {"answer": how[1]}, user=user)
    else:
        r = await sim.click(message, how, user=user)
    assert r.updated is message, (how, r.text)
    return r


async def service_lead(sim: Sim, partner: str, *, owner: str = "dave", **fields: Any) -> leads.Lead:
    """A lead written straight through the service (setup that is not what a test is about)."""
    fields.setdefault("level", "global")
    fields.setdefault("direction", "external")
    result = await log_lead(
        sim.db,
        sim.guild_id,
        leads.LeadDraft(partner=partner, **fields),
        owner_id=sim.member(owner).id,
        now=sim.clock(),
        settings=LeadsSettings(),
        check_duplicates=False,
    )
    assert result.lead is not None
    return result.lead


async def slash_lead(sim: Sim, partner: str, *, user: str = "dave") -> leads.Lead:
    """A lead logged through `/lead add` (summary given, so no form)."""
    r = await sim.slash(
        "lead add", user=user, partner=partner, level="global", direction="external", summary=f"About {partner}"
    )
    assert r.ephemeral and "Logged L-" in r.text, r.text
    ref = r.text.split("Logged ", 1)[1].split(":", 1)[0]
    return await leads.get_lead(sim.db, sim.guild_id, leads.parse_lead_id(ref))
