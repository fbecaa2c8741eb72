"""One publishing run: build both pages' blocks, merge each into its page on the wiki, write what changed,
and remember what was written (to tell a hand edit from the bot's own text) and how the run went.

A wiki that is down, lagged or refuses the login never raises out of :func:`publish`: the run's report
says why, ``wiki_runs`` remembers since when it has been failing (the digest says so), and the next run
tries again.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_unix, to_unix
from bot.config import WikiSettings
from bot.db import Database
from bot.i18n import t
from bot.services import schedule
from bot.services.wiki import content, markers
from bot.services.wiki.client import EditConflict, WikiClient, WikiError

log = logging.getLogger(__name__)

PAGE_KEYS = ("register", "decisions")
#: Lines of a page's diff kept in a report (``partnerbot publish`` prints them; Discord shows fewer).
DIFF_LINES = 400

ClientFactory = Callable[[WikiSettings, str], WikiClient]


def wiki_client(settings: WikiSettings, password: str) -> WikiClient:
    return WikiClient(settings.api_url, settings.user, password)


@dataclass(frozen=True)
class PageReport:
    key: str
    title: str
    #: create, append, replace, unchanged, hand_edited (left alone), or failed.
    outcome: str
    #: A few words on what changed ("2 rows added, 1 removed").
    changes: str
    #: A unified diff of the bot's part of the page, before -> after.
    diff: str


@dataclass(frozen=True)
class RunReport:
    pages: tuple[PageReport, ...]
    failure: str | None
    dry_run: bool

    @property
    def written(self) -> tuple[PageReport, ...]:
        return tuple(p for p in self.pages if p.outcome in ("create", "append", "replace"))


@dataclass(frozen=True)
class PageStatus:
    key: str
    title: str
    written_at: datetime | None
    checked_at: datetime | None
    changes: str | None
    problem: str | None


@dataclass(frozen=True)
class Status:
    pages: tuple[PageStatus, ...]
    last_run_at: datetime | None
    failing_since: datetime | None
    failure: str | None


def titles(settings: WikiSettings) -> dict[str, str]:
    return {"register": settings.pages.register_page.strip(), "decisions": settings.pages.decisions.strip()}


async def blocks(db: Database, guild_id: int, locale: str, names: content.Names = None) -> dict[str, str]:
    """The bot's part of each page, as it should be now."""
    return {
        "register": content.register_text(await content.register_rows(db, guild_id), locale),
        "decisions": content.decisions_text(await content.decisions(db, guild_id), locale, names),
    }


async def publish(
    db: Database,
    guild_id: int,
    settings: WikiSettings,
    *,
    locale: str,
    now: datetime,
    names: content.Names = None,
    dry_run: bool = False,
    overwrite: bool = False,
    client: ClientFactory = wiki_client,
    record_failure: bool = True,
) -> RunReport:
    """Bring both pages up to date (or, with ``dry_run``, only say what would change). Never raises for
    anything the wiki does: the report carries the failure. ``record_failure=False`` (the command line)
    keeps a failed run out of what the digest reports: the operator sees it at once."""
    wanted = await blocks(db, guild_id, locale, names)
    stored = await _stored(db, guild_id)
    password = settings.password()
    reports: list[PageReport] = []
    failure: str | None = None
    if password is None:
        failure = f"the environment variable {settings.password_env} (the wiki's bot password) is not set"
    else:
        session = client(settings, password)
        try:
            await asyncio.to_thread(session.connect)
            for key, title in titles(settings).items():
                sha = stored.get((key, title))
                report = await _one_page(session, key, title, wanted[key], sha, locale, dry_run, overwrite)
                reports.append(report)
                if not dry_run:
                    await _record_page(db, guild_id, key, title, report, wanted[key], now)
        except WikiError as error:
            failure = str(error)
        except Exception as error:  # a bug, or an answer nobody foresaw: still a failed run, not a crash
            log.exception("unexpected error while publishing on the wiki")
            failure = f"an unexpected error ({type(error).__name__}); the log has the details"
    if not dry_run and (failure is None or record_failure):
        await _record_run(db, guild_id, failure, now)
    return RunReport(pages=tuple(reports), failure=failure, dry_run=dry_run)


async def _one_page(
    session: WikiClient,
    key: str,
    title: str,
    block: str,
    written_sha: str | None,
    locale: str,
    dry_run: bool,
    overwrite: bool,
) -> PageReport:
    for attempt in (1, 2):
        page = await asyncio.to_thread(session.read, title)
        merged = markers.merge(page.text, key, block, written_sha=written_sha, overwrite=overwrite)
        diff = _diff(merged.current, block, title)
        changes = _changes(merged.current, block, locale)
        if merged.text is None or dry_run:
            return PageReport(key, title, merged.outcome, changes, diff)
        summary = t(locale, "wiki.summary", page=t(locale, f"wiki.page.{key}"), changes=changes)
        try:
            await asyncio.to_thread(session.write, title, merged.text, summary)
        except EditConflict:
            if attempt == 2:
                raise
            log.info("edit conflict on %s; reading it again", title)
            continue
        return PageReport(key, title, merged.outcome, changes, diff)
    raise AssertionError("unreachable")


def _diff(before: str, after: str, title: str) -> str:
    lines = difflib.unified_diff(
        before.strip().splitlines(), after.strip().splitlines(), f"{title} (wiki)", f"{title} (bot)", lineterm=""
    )
    return "\n".join(list(lines)[:DIFF_LINES])


def _changes(before: str, after: str, locale: str) -> str:
    """Table rows added and removed (an edited row is one of each), in a few words."""
    old = [line for line in before.strip().splitlines() if line.startswith("| ")]
    new = [line for line in after.strip().splitlines() if line.startswith("| ")]
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    if not added and not removed:
        return t(locale, "wiki.changes.none" if before.strip() == after.strip() else "wiki.changes.text")
    return t(locale, "wiki.changes.rows", added=added, removed=removed)


# -- state -----------------------------------------------------------------------------------------
async def _stored(db: Database, guild_id: int) -> dict[tuple[str, str], str | None]:
    rows = await db.fetchall("SELECT key, title, written_sha FROM wiki_pages WHERE guild_id = ?", (guild_id,))
    return {(r["key"], r["title"]): r["written_sha"] for r in rows}


async def _record_page(
    db: Database, guild_id: int, key: str, title: str, report: PageReport, block: str, now: datetime
) -> None:
    sha = markers.fingerprint(block)
    await db.run_sync(_write_page_state, guild_id, key, title, report.outcome, report.changes, sha, now)


def _write_page_state(
    conn: sqlite3.Connection,
    guild_id: int,
    key: str,
    title: str,
    outcome: str,
    changes: str,
    sha: str,
    now: datetime,
) -> None:
    if outcome in ("hand_edited", "damaged"):
        conn.execute(
            "INSERT INTO wiki_pages (guild_id, key, title, checked_at, problem) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, key) DO UPDATE SET checked_at = excluded.checked_at,"
            " problem = excluded.problem, title = excluded.title,"
            " written_sha = CASE WHEN wiki_pages.title = excluded.title THEN wiki_pages.written_sha END",
            (guild_id, key, title, to_unix(now), outcome),
        )
    elif outcome == "unchanged":
        conn.execute(
            "INSERT INTO wiki_pages (guild_id, key, title, written_sha, checked_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, key) DO UPDATE SET written_sha = excluded.written_sha,"
            " title = excluded.title, checked_at = excluded.checked_at, problem = NULL",
            (guild_id, key, title, sha, to_unix(now)),
        )
    else:
        conn.execute(
            "INSERT INTO wiki_pages (guild_id, key, title, written_sha, written_at, checked_at, changes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, key) DO UPDATE SET written_sha = excluded.written_sha,"
            " title = excluded.title, written_at = excluded.written_at, checked_at = excluded.checked_at,"
            " changes = excluded.changes, problem = NULL",
            (guild_id, key, title, sha, to_unix(now), to_unix(now), changes),
        )


async def _record_run(db: Database, guild_id: int, failure: str | None, now: datetime) -> None:
    await db.run_sync(_write_run_state, guild_id, failure, now)


def _write_run_state(conn: sqlite3.Connection, guild_id: int, failure: str | None, now: datetime) -> None:
    conn.execute(
        "INSERT INTO wiki_runs (guild_id, last_run_at, failing_since, failure) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET last_run_at = excluded.last_run_at,"
        " failing_since = CASE WHEN excluded.failure IS NULL THEN NULL"
        " ELSE COALESCE(wiki_runs.failing_since, excluded.failing_since) END,"
        " failure = excluded.failure",
        (guild_id, to_unix(now), to_unix(now) if failure else None, failure),
    )


async def status(db: Database, guild_id: int) -> Status:
    pages = await db.fetchall(
        "SELECT key, title, written_at, checked_at, changes, problem FROM wiki_pages"
        " WHERE guild_id = ? ORDER BY key DESC",
        (guild_id,),
    )
    run = await db.fetchone("SELECT * FROM wiki_runs WHERE guild_id = ?", (guild_id,))

    def when(value: int | None) -> datetime | None:
        return None if value is None else from_unix(value)

    return Status(
        pages=tuple(
            PageStatus(p["key"], p["title"], when(p["written_at"]), when(p["checked_at"]), p["changes"], p["problem"])
            for p in pages
        ),
        last_run_at=None if run is None else when(run["last_run_at"]),
        failing_since=None if run is None else when(run["failing_since"]),
        failure=None if run is None else run["failure"],
    )


@dataclass(frozen=True)
class WikiTrouble:
    """What the digest says about publishing: failing since when and why, and pages edited by hand."""

    failing_since: datetime | None
    failure: str | None
    hand_edited: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.failing_since is not None or bool(self.hand_edited)


async def trouble(db: Database, guild_id: int) -> WikiTrouble | None:
    state = await status(db, guild_id)
    found = WikiTrouble(
        failing_since=state.failing_since,
        failure=state.failure,
        hand_edited=tuple(p.title for p in state.pages if p.problem in ("hand_edited", "damaged")),
    )
    return found if found else None


async def failing(db: Database, guild_id: int) -> tuple[datetime, str] | None:
    """(since when, why) while publishing fails; None when the latest run reached the wiki."""
    row = await db.fetchone("SELECT failing_since, failure FROM wiki_runs WHERE guild_id = ?", (guild_id,))
    if row is None or row["failing_since"] is None:
        return None
    return from_unix(row["failing_since"]), str(row["failure"])


async def schedule_due(db: Database, guild_id: int, settings: WikiSettings, *, now: datetime) -> bool:
    """Whether ``wiki.schedule`` fired since the latest run (or no run ever happened)."""
    state = await status(db, guild_id)
    if state.last_run_at is None:
        return True  # never published: the first pass does
    return schedule.previous_fire(settings.schedule, settings.timezone, now) > state.last_run_at


async def pages_changed(db: Database, guild_id: int, locale: str, names: content.Names = None) -> bool:
    """Whether either page's block differs from what the bot last wrote there (no wiki call needed)."""
    wanted = await blocks(db, guild_id, locale, names)
    written = {key: sha for (key, _title), sha in (await _stored(db, guild_id)).items()}
    return any(markers.fingerprint(block) != written.get(key) for key, block in wanted.items())


async def change_mark(db: Database, guild_id: int) -> int:
    """Moves whenever anything happens to any lead (the latest event id): cheap to poll."""
    return int(await db.fetchval("SELECT COALESCE(MAX(id), 0) FROM lead_events WHERE guild_id = ?", (guild_id,)))
