"""Exports of the register (what the files say is in ``export_formats``): made a page at a time, so that a
100k-lead export holds neither the event loop nor the database thread for more than a few milliseconds at
once. Each page is read in one short hand-over to the database thread, then turned into bytes (and
compressed) on a worker thread that hands the GIL over every few leads (``bot.services.pacing``).

For Discord (``limit``), the file stays plain while it fits and becomes a zip archive once it does not; an
export that would not fit even zipped is refused (:class:`ExportTooBig`) as soon as that is clear: at the
first page when the row count and that page project it well over the limit, else when the archive passes it.
"""

from __future__ import annotations

import asyncio
import io
import sqlite3
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from bot.db import Database
from bot.errors import InvalidInput, PartnerBotError
from bot.services.leads.export_formats import (
    CSV_COLUMNS,
    FORMAT_MAKERS,
    WIKI_COLUMNS,
    Page,
    csv_cell,
    wiki_cell,
)
from bot.services.leads.model import FORMATS, STATUSES
from bot.services.leads.queries import _load_sync

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "WIKI_COLUMNS",
    "Export",
    "ExportSummary",
    "ExportTooBig",
    "csv_cell",
    "export_leads",
    "mib",
    "wiki_cell",
    "write_export",
]

#: Leads read (and written) per hand-over: a few milliseconds on the database thread for JSON, the
#: heaviest format, with the notes and history of each lead.
PAGE = 250
#: A projection this many times over the limit is refused without making the rest of the file.
SURE_TOO_BIG = 1.2
#: A status is named as a filter that fits when its projected size is within this share of the limit.
FITS_SHARE = 0.9
#: Bytes of text compressed on their own to estimate the zip's ratio before the archive can tell.
_SAMPLE = 256 * 1024


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes
    count: int
    #: Leads the format leaves out: wikitext is for publishing, so working-group-only leads stay out.
    left_out: int = 0
    #: ``data`` is a zip archive holding the one file, which was over the limit plain.
    zipped: bool = False


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`write_export` wrote: the file's usual name, the leads in it and those left out."""

    filename: str
    count: int
    left_out: int = 0


class ExportTooBig(PartnerBotError):
    """The export would not fit in ``limit`` bytes even zipped. ``count`` is the (projected) number of
    leads in it and ``estimate`` its projected size; ``fits`` the statuses, with their lead counts, whose
    export alone should fit (none when the export was already filtered by status)."""

    key = "lead.export_too_big"

    def __init__(self, *, fmt: str, count: int, estimate: int, limit: int, fits: tuple[tuple[str, int], ...]) -> None:
        super().__init__(count=count, format=fmt, size=mib(estimate), limit=mib(limit))
        self.fmt = fmt
        self.count = count
        self.estimate = estimate
        self.limit = limit
        self.fits = fits


def mib(size: int) -> str:
    """``size`` bytes in MiB with one decimal: ``"10.0"``."""
    return f"{size / (1024 * 1024):.1f}"


# -- reading, a page at a time (database thread) ----------------------------------------------------


def _plan_sync(conn: sqlite3.Connection, guild_id: int) -> tuple[dict[str, int], int]:
    """(leads per status, the highest lead id now): an export holds the leads there are when it starts."""
    counts = {
        r[0]: int(r[1])
        for r in conn.execute("SELECT status, count(*) FROM leads WHERE guild_id = ? GROUP BY status", (guild_id,))
    }
    upto = conn.execute("SELECT coalesce(max(id), 0) FROM leads").fetchone()[0]
    return counts, int(upto)


def _page_sync(
    conn: sqlite3.Connection,
    guild_id: int,
    status: str | None,
    public_only: bool,
    details: bool,
    after: int,
    upto: int,
) -> Page | None:
    """The next page of leads after id ``after`` (up to ``upto``), in id order; None past the last."""
    if status:
        rows = conn.execute(
            "SELECT id, visibility = 'public' FROM leads WHERE guild_id = ? AND status = ? AND id > ? AND id <= ? "
            "ORDER BY id LIMIT ?",
            (guild_id, status, after, upto, PAGE),
        ).fetchall()
    else:  # +guild_id: walk the primary key, rather than sort the guild's ids again for every page
        rows = conn.execute(
            "SELECT id, visibility = 'public' FROM leads WHERE +guild_id = ? AND id > ? AND id <= ? "
            "ORDER BY id LIMIT ?",
            (guild_id, after, upto, PAGE),
        ).fetchall()
    if not rows:
        return None
    ids = [r[0] for r in rows if r[1] or not public_only]
    found = _load_sync(conn, guild_id, ids)
    page = Page([found[i] for i in ids if i in found], len(rows), rows[-1][0])
    if details and ids:
        marks = ",".join("?" * len(ids))
        for row in conn.execute(
            f"SELECT lead_id, author_id, text, created_at FROM lead_notes WHERE lead_id IN ({marks}) ORDER BY id",
            ids,
        ):
            page.notes.setdefault(row[0], []).append(tuple(row)[1:])
        for row in conn.execute(
            "SELECT lead_id, kind, from_status, to_status, actor_id, note, at FROM lead_events "
            f"WHERE lead_id IN ({marks}) ORDER BY id",
            ids,
        ):
            page.history.setdefault(row[0], []).append(tuple(row)[1:])
    return page


# -- where the bytes go (worker thread) -------------------------------------------------------------


class _Sink:
    """A file object the export is written into; told after each page how far the export is."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, data: bytes) -> None:
        self.out.write(data)

    def page_done(self, matched: int, written: int) -> None:
        """``matched`` leads of the status read so far, ``written`` of them in the file."""


class _Overflow(Exception):
    """The file will not fit: ``estimate`` bytes zipped for ``count`` leads of ``per_lead`` bytes plain
    each, which zip to ``ratio`` of that."""

    def __init__(self, estimate: int, count: int, per_lead: float, ratio: float) -> None:
        super().__init__(estimate)
        self.estimate = estimate
        self.count = count
        self.per_lead = per_lead
        self.ratio = ratio


class _UploadSink(_Sink):
    """The file in memory, plain while it fits in ``limit`` bytes and zipped (as ``name`` in the archive)
    from the moment it does not; raises :class:`_Overflow` once it surely will not fit.

    ``total`` is the number of leads of the status there are to read: with the first page's size (and how
    well it compresses), it projects the whole file's size."""

    def __init__(self, name: str, limit: int, total: int, now: datetime) -> None:
        self.plain = io.BytesIO()
        super().__init__(self.plain)
        self.name = name
        self.limit = limit
        self.total = total
        self.now = now
        #: Bytes of the file written so far, before any compression.
        self.raw = 0
        #: Compressed size / plain size, from the first bytes of the file.
        self.ratio: float | None = None
        self.zipped = io.BytesIO()
        self.archive: zipfile.ZipFile | None = None

    @property
    def size(self) -> int:
        return self.zipped.tell() if self.archive is not None else self.plain.tell()

    def write(self, data: bytes) -> None:
        self.raw += len(data)
        self.out.write(data)
        if self.archive is not None:
            return
        over = self.plain.tell() > self.limit
        if self.ratio is None and (over or self.raw >= _SAMPLE):
            self._sample()
        if over:
            self._start_zip()

    def _sample(self) -> None:
        sample = self.plain.getbuffer()
        self.ratio = len(zlib.compress(sample, 6)) / max(1, len(sample))
        sample.release()

    def _start_zip(self) -> None:
        info = zipfile.ZipInfo(self.name, date_time=self.now.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16  # rw-r--r-- once unpacked
        self.archive = zipfile.ZipFile(self.zipped, "w", compression=zipfile.ZIP_DEFLATED)
        self.out = self.archive.open(info, "w")
        self.out.write(self.plain.getvalue())
        self.plain = io.BytesIO()

    def page_done(self, matched: int, written: int) -> None:
        if not written:
            return
        if self.ratio is None:
            self._sample()
        assert self.ratio is not None
        count = round(self.total * written / matched)  # wikitext: the public share of what was read
        per_lead = self.raw / written
        projected = per_lead * count
        if projected > self.limit:
            projected *= self.ratio
        if projected > self.limit * SURE_TOO_BIG or self.size > self.limit:
            raise _Overflow(max(int(projected), self.size), count, per_lead, self.ratio)

    def finish(self, count: int) -> tuple[bytes, bool]:
        """(the file, whether it is zipped); raises :class:`_Overflow` when the archive is over the limit."""
        if self.archive is None:
            return self.plain.getvalue(), False
        self.out.close()
        self.archive.close()
        size = self.zipped.tell()
        if size > self.limit:
            raise _Overflow(size, count, self.raw / max(1, count), size / max(1, self.raw))
        return self.zipped.getvalue(), True

    def discard(self) -> None:
        """Close the archive of a refused file (an open one would complain when collected)."""
        if self.archive is not None:
            self.out.close()
            self.archive.close()


# -- the export -----------------------------------------------------------------------------------


def _check(fmt: str, status: str | None) -> None:
    if fmt not in FORMATS:
        raise InvalidInput("lead.export_format", formats=", ".join(FORMATS))
    if status is not None and status not in STATUSES:
        raise InvalidInput("lead.choice_invalid", field="status", allowed=", ".join(STATUSES))


def _filename(fmt: str, status: str | None, now: datetime) -> str:
    suffix = f"-{status}" if status else ""
    return f"leads{suffix}-{now.strftime('%Y-%m-%d')}.{FORMAT_MAKERS[fmt].extension}"


async def _write(
    db: Database, guild_id: int, fmt: str, status: str | None, now: datetime, upto: int, sink: _Sink
) -> tuple[int, int]:
    """Write the export into ``sink``; returns (leads written, leads left out)."""
    maker = FORMAT_MAKERS[fmt](guild_id, status, now)
    public_only = fmt == "wikitext"
    details = fmt == "json"

    def write(page: Page, matched: int, written: int) -> None:
        sink.write(maker.page(page))
        sink.page_done(matched, written)

    await asyncio.to_thread(sink.write, maker.head())
    matched = written = after = 0
    while (page := await db.call(_page_sync, guild_id, status, public_only, details, after, upto)) is not None:
        after = page.last_id
        matched += page.matched
        written += len(page.leads)
        await asyncio.to_thread(write, page, matched, written)
    await asyncio.to_thread(sink.write, maker.tail())
    return written, matched - written


async def write_export(
    db: Database, guild_id: int, fmt: str, out: IO[bytes], *, status: str | None = None, now: datetime
) -> ExportSummary:
    """Write the guild's leads (all, or those in ``status``) as ``fmt`` into ``out``, a page at a time:
    what `partnerbot export` streams into its file, whatever the size."""
    _check(fmt, status)
    _counts, upto = await db.call(_plan_sync, guild_id)
    count, left_out = await _write(db, guild_id, fmt, status, now, upto, _Sink(out))
    return ExportSummary(_filename(fmt, status, now), count, left_out)


async def export_leads(
    db: Database, guild_id: int, fmt: str, *, status: str | None = None, now: datetime, limit: int | None = None
) -> Export:
    """The guild's leads (all, or those in ``status``) as a file in ``fmt``: csv, json or wikitext.
    csv and json hold every lead (for the working group); wikitext, made to be published on a wiki, only
    the public ones (``left_out`` counts the others).

    With ``limit`` (bytes, for an upload), a file over it comes zipped (``.zip`` added to its name), and
    one that would be over it even zipped raises :class:`ExportTooBig` as soon as that is clear."""
    _check(fmt, status)
    counts, upto = await db.call(_plan_sync, guild_id)
    filename = _filename(fmt, status, now)
    if limit is None:
        out = io.BytesIO()
        count, left_out = await _write(db, guild_id, fmt, status, now, upto, _Sink(out))
        return Export(filename, out.getvalue(), count, left_out)
    total = counts.get(status, 0) if status else sum(counts.values())
    sink = _UploadSink(filename, limit, total, now)
    try:
        count, left_out = await _write(db, guild_id, fmt, status, now, upto, sink)
        data, zipped = await asyncio.to_thread(sink.finish, count)
    except _Overflow as over:
        await asyncio.to_thread(sink.discard)
        fits = () if status else _fitting(counts, over, sink)
        raise ExportTooBig(fmt=fmt, count=over.count, estimate=over.estimate, limit=limit, fits=fits) from None
    return Export(filename + ".zip" if zipped else filename, data, count, left_out, zipped)


def _fitting(counts: dict[str, int], over: _Overflow, sink: _UploadSink) -> tuple[tuple[str, int], ...]:
    """The statuses (with their projected lead counts, in pipeline order) whose export alone should fit."""
    share = over.count / max(1, sink.total)  # wikitext: the public share of the leads read
    fits = []
    for status in STATUSES:
        count = round(counts.get(status, 0) * share)
        size = count * over.per_lead
        if size > sink.limit:
            size *= over.ratio
        if count and size <= sink.limit * FITS_SHARE:
            fits.append((status, count))
    return tuple(fits)
